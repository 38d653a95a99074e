import { api, problemText } from '../shared/api';
import { h, replace } from '../shared/dom';
import type { I18n } from '../shared/i18n';
import type { Session } from './session';

interface DivergentLeaf {
  leafIndex: number;
  position?: string;
  streamId?: string;
  version?: number;
  now?: unknown;
}

interface Verification {
  ok: boolean;
  signatureValid: boolean;
  treeSize: number;
  consistent: boolean;
  firstDivergentLeaf?: DivergentLeaf;
  detail?: string;
}

interface ChainReport {
  ok: boolean;
  streams: number;
  events: number;
  broken: Array<{ streamId: string; version: number; position: string; reason?: string }>;
}

/**
 * Verification of a checkpoint the auditor kept: does the log still hold exactly its leaves?
 * Green only when the API answers `ok: true` for this very text; anything else — a signature by
 * another key, a log that no longer holds the leaves, a note that is not a checkpoint — is red,
 * with each check's outcome. The hash chains can be checked here too.
 */
export function checkpointPanel(i18n: I18n, session: Session): HTMLElement {
  const { t } = i18n;
  const text = h('textarea', { id: 'checkpoint-text', rows: 5, cols: 70, 'aria-label': t('checkpoint.text') });
  const result = h('div', { id: 'checkpoint-result', role: 'status' });
  const submit = h('button', { type: 'submit' }, t('checkpoint.verify'));
  const latest = async () => {
    const r = await api<string>('GET', '/v1/audit/checkpoint', { headers: { accept: 'text/plain' } });
    text.value = typeof r.body === 'string' ? r.body : '';
  };
  const mark = (ok: boolean) => h('span', { 'aria-hidden': 'true' }, ok ? '✔ ' : '✘ ');
  const check = (ok: boolean, label: string, name: string) => h('li', { class: ok ? 'ok' : 'error', 'data-check': name }, mark(ok), label, ': ', ok ? t('checkpoint.pass') : t('checkpoint.fail'));
  const form = h(
    'form',
    { id: 'checkpoint-form' },
    text,
    h('div', { class: 'row' }, submit, h('button', { type: 'button', class: 'secondary', id: 'checkpoint-latest', onclick: () => void latest() }, t('checkpoint.latest'))),
    result,
  );
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    // No earlier verdict may stay on screen while this text is being checked.
    result.className = '';
    replace(result, t('checkpoint.checking'));
    submit.disabled = true;
    const sent = text.value;
    void api<Verification>('POST', '/v1/audit/verify-checkpoint', { token: session.token, body: sent, headers: { 'content-type': 'text/plain' } })
      .then((r) => {
        if (text.value !== sent) return replace(result);
        if (!r.ok) {
          result.className = 'error';
          return replace(result, h('p', {}, t('checkpoint.bad', { detail: problemText(r.problem) })));
        }
        const v = r.body;
        // Green needs every part: the API's verdict and both checks it is made of.
        const green = v.ok === true && v.signatureValid === true && v.consistent === true;
        result.className = green ? 'ok' : 'error';
        const leaf = v.firstDivergentLeaf;
        replace(
          result,
          h('p', {}, green ? t('checkpoint.ok', { size: v.treeSize }) : t('checkpoint.bad', { detail: t('checkpoint.badSummary', { size: v.treeSize }) })),
          h('ul', { class: 'checks' }, check(v.signatureValid, t('checkpoint.signature'), 'signature'), check(v.consistent, t('checkpoint.consistent'), 'consistent')),
          leaf
            ? h(
                'p',
                { id: 'checkpoint-divergent' },
                t('checkpoint.divergent', { leaf: leaf.leafIndex, position: leaf.position ?? '?', stream: leaf.streamId ?? '?', version: leaf.version ?? '?' }),
                leaf.now === null ? ` ${t('checkpoint.nowGone')}` : leaf.now !== undefined ? ` ${t('checkpoint.now', { now: JSON.stringify(leaf.now) })}` : '',
              )
            : null,
          v.detail ? h('p', {}, v.detail) : null,
        );
      })
      .finally(() => (submit.disabled = false));
  });

  const chainResult = h('div', { id: 'chains-result', role: 'status' });
  const verifyChains = async () => {
    chainResult.className = '';
    replace(chainResult, t('checkpoint.checking'));
    const r = await api<ChainReport>('GET', '/v1/audit/verify', { token: session.token });
    if (!r.ok) {
      chainResult.className = 'error';
      return replace(chainResult, problemText(r.problem));
    }
    chainResult.className = r.body.ok ? 'ok' : 'error';
    replace(
      chainResult,
      h('p', {}, mark(r.body.ok), t(r.body.ok ? 'chains.ok' : 'chains.bad', { streams: r.body.streams, events: r.body.events })),
      r.body.broken.length
        ? h(
            'ul',
            {},
            r.body.broken.map((b) => h('li', {}, `${b.streamId} v${b.version} @${b.position}${b.reason ? `: ${b.reason}` : ''}`)),
          )
        : null,
    );
  };

  return h(
    'section',
    { class: 'panel', 'aria-labelledby': 'checkpoint-h' },
    h('h2', { id: 'checkpoint-h' }, t('checkpoint.heading')),
    form,
    h('h3', {}, t('chains.heading')),
    h('button', { type: 'button', class: 'secondary', id: 'chains-verify', onclick: () => void verifyChains() }, t('chains.verify')),
    chainResult,
  );
}
