import type { Browser } from 'playwright-core';
import { Child, queuePrefix } from '../ops/support';
import { TestDatabase, createTestDatabase } from '../support/database';
import { ReceivedMail, TestSmtp, startTestSmtp } from '../support/smtp';
import { waitFor } from '../support/wait';
import { checkPage, launchChromium, newPage, startBuiltApp } from './browser';

/**
 * A Korean visitor, in Debian's Chromium (locale ko-KR), against the built app (`node
 * dist/main.js all`) sending through a real SMTP listener: subscribes on the Korean public
 * page, gets a Korean confirmation email, opens its confirm link (a Korean page with a button
 * that POSTs), confirms, and unsubscribes through the Korean unsubscribe page. Every page: a
 * screenshot, no serious axe violation, no CSP violation.
 */
describe('confirm and unsubscribe pages in the browser language (browser)', () => {
  jest.setTimeout(180_000);
  let db: TestDatabase;
  let smtp: TestSmtp;
  let app: Child;
  let base: string;
  let browser: Browser;

  beforeAll(async () => {
    db = await createTestDatabase('console-locale');
    smtp = await startTestSmtp();
    // PUBLIC_BASE_URL: the email's links must lead back to this server.
    ({ app, base } = await startBuiltApp((base) => ({
      DATABASE_URL: db.url,
      QUEUE_PREFIX: queuePrefix('console-locale'),
      PUBLIC_BASE_URL: base,
      SMTP_URL: smtp.url,
      MAIL_FROM: 'almanac@almanac.test',
    })));
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    await app?.kill();
    await smtp?.close();
    await db?.drop();
  });

  const check = checkPage;

  const mailTo = (address: string): Promise<ReceivedMail> => waitFor(`an email to ${address}`, () => smtp.messages.find((m) => m.envelopeTo.includes(address)), 30000, 100);
  const linkIn = (mail: ReceivedMail, kind: 'confirm' | 'unsubscribe'): string => {
    const link = new RegExp(`(http://\\S+/v1/subscriptions/${kind}\\?token=[\\w.-]+)`).exec(mail.parsed.text ?? '')?.[1];
    if (!link) throw new Error(`no ${kind} link in: ${mail.parsed.text}`);
    return link;
  };

  it('a ko-KR browser subscribes, confirms on the Korean page, and unsubscribes on the Korean page', async () => {
    const { page, problems } = await newPage(browser, { locale: 'ko-KR', timezoneId: 'Asia/Seoul' });

    // The public page in Korean; its form sends the page's language with the sign-up.
    await page.goto(`${base}/`);
    await page.waitForSelector('#subscribe-form');
    await page.fill('input[name=email]', 'minji@example.test');
    await page.click('#subscribe-form button[type=submit]');
    await page.waitForSelector('#subscribe-status:has-text("받은편지함을 확인하세요")');

    const mail = await mailTo('minji@example.test');
    expect(mail.parsed.subject).toBe('almanac 구독을 확인해 주세요');
    expect(mail.parsed.text).toContain('확인하려면 7일 이내에 이 링크를 여세요:');

    // The confirm link: a Korean page whose one button POSTs; opening it confirms nothing.
    await page.goto(linkIn(mail, 'confirm'));
    expect(await page.getAttribute('html', 'lang')).toBe('ko');
    expect(await page.textContent('h1')).toBe('구독 확인');
    expect(await page.textContent('main p')).toBe('버튼을 누르면 이 주소로 almanac의 행사 알림을 받기 시작합니다.');
    expect(await page.textContent('main ul')).toContain('알림: 각 행사 1일 전');
    await check(page, problems, 'confirm-ko');
    await page.getByRole('button', { name: '구독 확인' }).click();
    await page.waitForSelector('h1:has-text("구독이 확인되었습니다")');
    expect(await page.getAttribute('html', 'lang')).toBe('ko');
    expect(await page.textContent('main p')).toContain('모든 이메일에는 수신 거부 링크가 있습니다.');
    expect(await page.locator('form').count()).toBe(0);
    await check(page, problems, 'confirmed-ko');

    // The unsubscribe link of the same email, in Korean too.
    await page.goto(linkIn(mail, 'unsubscribe'));
    expect(await page.getAttribute('html', 'lang')).toBe('ko');
    expect(await page.textContent('h1')).toBe('수신 거부');
    await check(page, problems, 'unsubscribe-ko');
    await page.getByRole('button', { name: '수신 거부' }).click();
    await page.waitForSelector('h1:has-text("수신이 거부되었습니다")');
    expect(await page.textContent('main p')).toBe('almanac은 이 주소로 더 이상 이메일을 보내지 않습니다.');
    await check(page, problems, 'unsubscribed-ko');
  });
});
