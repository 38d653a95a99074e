import { en, type MessageId } from '../../web/src/messages/en';
import { ja } from '../../web/src/messages/ja';
import { ko } from '../../web/src/messages/ko';
import { zh } from '../../web/src/messages/zh';

const placeholders = (s: string): string[] => [...new Set([...s.matchAll(/\{(\w+)\s*[,}]/g)].map((m) => m[1]))].sort();

describe.each([
  ['zh', zh, /[\u4e00-\u9fff]/],
  ['ja', ja, /[\u3040-\u30ff\u4e00-\u9fff]/],
  ['ko', ko, /[\uac00-\ud7af]/],
])('the %s console catalogue', (_lang, catalogue, script) => {
  it('has every English key, in its own script, with the same placeholders', () => {
    const keys = Object.keys(en) as MessageId[];
    expect(Object.keys(catalogue).sort()).toEqual([...keys].sort());
    for (const id of keys) {
      const text = catalogue[id]!;
      expect({ id, script: script.test(text) }).toEqual({ id, script: true });
      expect({ id, placeholders: placeholders(text) }).toEqual({ id, placeholders: placeholders(en[id]) });
    }
  });
});
