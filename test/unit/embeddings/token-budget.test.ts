import { beforeAll, describe, expect, it } from "vitest";
import {
  countAndAdmitTokens,
  TOKENIZE_CHARS_PER_SLICE,
} from "../../../workers/embeddings/token-budget";
import { qwen3TokenCount } from "../../../workers/tokenizer/qwen3-tokens";

// "Hello, my dog is cute" is 6 Qwen3 tokens + end-of-text (test/unit/tokenizer/qwen3-tokens.test.ts).
const TEXT = "Hello, my dog is cute";
const unique = (n: number) =>
  Array.from({ length: n }, (_, i) => ({
    model: TEXT,
    cacheInput: TEXT,
    firstIndex: i,
  }));
const CONTEXT_LENGTH = 32_768;

/** Whether a timer set just before counting `n` copies of TEXT ran before counting ended. */
async function timerRanDuring(
  n: number,
): Promise<{ ran: boolean; counts: number[] }> {
  let ran = false;
  setTimeout(() => (ran = true), 0);
  const counts = await countAndAdmitTokens(
    unique(n),
    unique(n).map((_, i) => i),
    CONTEXT_LENGTH,
  );
  const result = { ran, counts };
  await new Promise((r) => setTimeout(r, 5));
  return result;
}

describe("countAndAdmitTokens yielding", () => {
  beforeAll(async () => {
    await qwen3TokenCount("warm"); // the tokenizer's one-time load is itself asynchronous
  });

  it("never yields below one slice of text, and yields on a large batch", async () => {
    const perSlice = Math.ceil(TOKENIZE_CHARS_PER_SLICE / TEXT.length); // 4096 / 21 -> 196 inputs
    expect(await timerRanDuring(perSlice)).toEqual({
      ran: false,
      counts: new Array(perSlice).fill(7),
    });
    expect(await timerRanDuring(perSlice + 1)).toEqual({
      ran: true,
      counts: new Array(perSlice + 1).fill(7),
    });
  });
});
