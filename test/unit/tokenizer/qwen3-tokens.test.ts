import { describe, expect, it } from "vitest";
import {
  qwen3TokenCount,
  qwen3TokenIds,
  withEndOfText,
} from "../../../workers/tokenizer/qwen3-tokens";

describe("Qwen3 token counts", () => {
  it("tokenizes known strings to Qwen3's ids with end-of-text appended", async () => {
    expect(await qwen3TokenIds("Hello, my dog is cute")).toEqual([
      9707, 11, 847, 5562, 374, 18838, 151643,
    ]);
    expect(await qwen3TokenCount("Hello, my dog is cute")).toBe(7);
    expect(await qwen3TokenIds("Query:")).toEqual([2859, 25, 151643]);
  });

  it("counts the default query prefix exactly", async () => {
    const ids = await qwen3TokenIds(
      "Instruct: Given a web search query, retrieve relevant passages that answer the query\nQuery:",
    );
    // " query" (3239) appears twice, "\n" is 198; 19 text tokens plus end-of-text.
    expect(ids).toEqual([
      641, 1235, 25, 16246, 264, 3482, 2711, 3239, 11, 17179, 9760, 46769, 429,
      4226, 279, 3239, 198, 2859, 25, 151643,
    ]);
  });

  it("appends end-of-text to token-id inputs only when it is not already last", () => {
    expect(withEndOfText([1, 2])).toEqual([1, 2, 151643]);
    expect(withEndOfText([1, 151643])).toEqual([1, 151643]);
  });
});
