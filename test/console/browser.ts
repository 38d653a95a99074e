import AxeBuilder from '@axe-core/playwright';
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { Browser, BrowserContextOptions, Page, chromium } from 'playwright-core';
import { Child, MAIN, requireBuild, spawnDist } from '../ops/support';
import { freePort } from '../support/redis-server';
import { waitFor } from '../support/wait';

export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
export const SCREENSHOTS = join(__dirname, 'screenshots');

/**
 * Debian's Chromium, headless, driven by playwright-core (which never downloads a browser).
 * Missing Chromium is a failure, not a skip: .ci/run installs it.
 */
export async function launchChromium(): Promise<Browser> {
  if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: install Debian's chromium (apt-get install -y chromium), as .ci/run does`);
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    // The machine has no network but loopback: background fetches of Google's services only fail noisily.
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--disable-dev-shm-usage'],
  });
}

/** A context that records CSP violations and page errors, so a test can assert there were none. */
export async function newPage(browser: Browser, options: BrowserContextOptions = {}): Promise<{ page: Page; problems: string[] }> {
  const context = await browser.newContext({ viewport: { width: 1200, height: 900 }, ...options });
  const page = await context.newPage();
  // Two shared cores under other tests: a step may take a while, and waits on conditions anyway.
  page.setDefaultTimeout(60_000);
  const problems: string[] = [];
  page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
  page.on('console', (m) => {
    if (m.type() === 'error' && /Content Security Policy|Refused to/i.test(m.text())) problems.push(`CSP: ${m.text()}`);
  });
  return { page, problems };
}

/** axe-core on the page as it is: the serious and critical violations (expected: none). */
export async function accessibilityViolations(page: Page): Promise<string[]> {
  const result = await new AxeBuilder({ page }).withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']).analyze();
  return result.violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map(
      (v) =>
        `${v.id} (${v.impact}): ${v.help} — ${v.nodes
          .slice(0, 3)
          .map((n) => n.target.join(' '))
          .join(' | ')}`,
    );
}

export async function screenshot(page: Page, name: string): Promise<string> {
  mkdirSync(SCREENSHOTS, { recursive: true });
  const path = join(SCREENSHOTS, `${name}.png`);
  await page.screenshot({ path, fullPage: true });
  return path;
}

/** What every page in a browser test must pass: a screenshot, no serious axe violation, no CSP violation or page error. */
export async function checkPage(page: Page, problems: string[], name: string): Promise<void> {
  await screenshot(page, name);
  expect(await accessibilityViolations(page)).toEqual([]);
  expect(problems).toEqual([]);
}

/** The built app as `npm start` runs it (`node dist/main.js all`) on a free port, once it answers ready; `env` gets its base URL. */
export async function startBuiltApp(env: (base: string) => Record<string, string>): Promise<{ app: Child; base: string }> {
  requireBuild();
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const app = await spawnDist(MAIN, ['all'], env(base), port);
  await waitFor(
    'app ready',
    async () => {
      if (app.proc.exitCode !== null) throw new Error(`exited ${app.proc.exitCode}: ${app.stderr()}`);
      return (await fetch(`${base}/health/ready`).catch(() => undefined))?.status === 200;
    },
    30000,
    100,
  );
  return { app, base };
}
