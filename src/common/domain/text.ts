/**
 * What any stored text may hold, whatever the field: PostgreSQL's text and jsonb refuse U+0000,
 * jsonb refuses an unpaired surrogate (JSON.stringify writes it as `\ud800`), and a control
 * character in a title or a city is never meant. Pure, shared by the domains and the HTTP layer.
 */

// With the `u` flag a surrogate pair is one code point, so only an unpaired half matches.
const UNPAIRED_SURROGATE = /\p{Surrogate}/u;
const CONTROL = /\p{Cc}/u;
const CONTROL_BUT_TAB_NEWLINE = /(?![\t\n])\p{Cc}/u;

/** Why `value` is not acceptable text, or null. `multiline`: tab and newline are allowed. */
export function textProblem(value: string, options: { multiline?: boolean } = {}): string | null {
  if (value.includes('\u0000')) return 'must not contain U+0000 (NUL)';
  if (UNPAIRED_SURROGATE.test(value)) return 'must not contain an unpaired surrogate (not valid Unicode)';
  if ((options.multiline ? CONTROL_BUT_TAB_NEWLINE : CONTROL).test(value)) {
    return options.multiline ? 'must not contain control characters other than tab and newline' : 'must not contain control characters';
  }
  return null;
}

/** Text that can never be stored anywhere (NUL, unpaired surrogates), whatever the field. */
export function isUnstorable(value: string): boolean {
  return value.includes('\u0000') || UNPAIRED_SURROGATE.test(value);
}
