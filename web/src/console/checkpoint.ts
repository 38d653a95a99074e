import { api, problemText } from '../shared/api';
import { h } from '../shared/dom';
import type { I18n } from '../shared/i18n';
import type { Session } from './session';

interface Verification {
  ok: boolean;
  signatureValid: boolean;
  treeSize: number;
  consistent: boolean;
  firstDivergentLeaf?: unknown;
}

/** Verification of a checkpoint the auditor kept: does the log still hold exactly its leaves? Green or red, with the reason. */
export function checkpointPanel(i18n: I18n, session: Session): HTMLElement {
  const { t } = i18n;
  const text = h('textarea', { id: 'checkpoint-text', rows: 5, cols: 70, 'aria-label': t('checkpoint.text') });
  const result = h('div', { id: 'checkpoint-result', role: 'status' });
  const latest = async () => {
    const r = await api<string>('GET', '/v1/audit/checkpoint', { headers: { accept: 'text/plain' } });
    text.value = typeof r.body === 'string' ? r.body : '';
  };
  const form = h(
    'form',
    { id: 'checkpoint-form' },
    text,
    h(
      'div',
      { class: 'row' },
      h('button', { type: 'submit' }, t('checkpoint.verify')),
      h('button', { type: 'button', class: 'secondary', id: 'checkpoint-latest', onclick: () => void latest() }, t('checkpoint.latest')),
    ),
    result,
  );
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    void api<Verification>('POST', '/v1/audit/verify-checkpoint', { token: session.token, body: text.value, headers: { 'content-type': 'text/plain' } }).then((r) => {
      if (!r.ok) {
        result.className = 'error';
        result.textContent = problemText(r.problem);
        return;
      }
      result.className = r.body.ok ? 'ok' : 'error';
      result.textContent = r.body.ok
        ? t('checkpoint.ok', { size: r.body.treeSize })
        : t('checkpoint.bad', { detail: JSON.stringify({ signatureValid: r.body.signatureValid, consistent: r.body.consistent, firstDivergentLeaf: r.body.firstDivergentLeaf }) });
    });
  });
  return h('section', { class: 'panel', 'aria-labelledby': 'checkpoint-h' }, h('h2', { id: 'checkpoint-h' }, t('checkpoint.heading')), form);
}
