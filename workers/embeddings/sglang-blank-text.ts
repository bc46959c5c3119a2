/**
 * Which texts SGLang's text path refuses as blank. Its embedding handler checks
 * `not text.strip()` (Python) and answers 400 "Input cannot be empty or whitespace only"
 * (sgl-project/sglang python/sglang/srt/entrypoints/openai/serving_embedding.py,
 * `EmbeddingHandler._validate_request`, commit 012bcb5f). OpenAI embeds whitespace-only
 * strings, so the edge sends exactly these texts as token ids instead, and the stand-in
 * refuses exactly these texts, as SGLang does.
 *
 * Python's `str.strip()` removes the characters for which `str.isspace()` is true, which
 * is not JavaScript's `trim()` set: Python also strips U+001C..U+001F and U+0085 (NEL),
 * and does not strip U+FEFF (BOM), which `trim()` does. The set below is Python 3.11's
 * `[c for c in map(chr, range(0x110000)) if c.isspace()]`.
 */
// The control characters U+001C..U+001F are the point: Python counts them as space.
const PYTHON_WHITESPACE_ONLY =
  // eslint-disable-next-line no-control-regex
  /^[\t\n\v\f\r\u001c-\u001f \u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]*$/;

/** Whether Python's `text.strip()` leaves nothing: true for "" and whitespace-only text. */
export function isBlankToSglang(text: string): boolean {
  return PYTHON_WHITESPACE_ONLY.test(text);
}
