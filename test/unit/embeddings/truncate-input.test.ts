/**
 * The `truncate` cut on plain id lists: exact ids kept from either side, end-of-text last,
 * the head (a query's instruction prefix) never cut, and the limits' 400s.
 */
import { describe, expect, it } from "vitest";
import {
  cutTokenIds,
  mayExceed,
  resolveTruncation,
} from "../../../workers/embeddings/truncate-input";
import { ApiError } from "../../../workers/errors/api-error";

const EOT = 151643;

function errorBody(run: () => unknown) {
  try {
    run();
  } catch (error) {
    if (error instanceof ApiError)
      return { status: error.status, body: error.body };
    throw error;
  }
  throw new Error("expected an ApiError");
}

describe("cutTokenIds", () => {
  it("keeps the head whole and the first (end) or last (start) body tokens, end-of-text last", () => {
    expect(
      cutTokenIds([1, 2], [10, 11, 12, 13], { side: "end", maxTokens: 5 }),
    ).toEqual({ ids: [1, 2, 10, 11, EOT], cut: true });
    expect(
      cutTokenIds([1, 2], [10, 11, 12, 13], { side: "start", maxTokens: 5 }),
    ).toEqual({ ids: [1, 2, 12, 13, EOT], cut: true });
    expect(
      cutTokenIds([], [10, 11, 12, 13], { side: "start", maxTokens: 2 }),
    ).toEqual({ ids: [13, EOT], cut: true });
  });

  it("drops a trailing end-of-text before cutting, and leaves what fits uncut", () => {
    expect(
      cutTokenIds([], [10, 11, 12, EOT], { side: "start", maxTokens: 3 }),
    ).toEqual({ ids: [11, 12, EOT], cut: true });
    expect(
      cutTokenIds([], [10, 11, 12, EOT], { side: "end", maxTokens: 4 }),
    ).toEqual({ ids: [10, 11, 12, EOT], cut: false });
    expect(cutTokenIds([1], [10], { side: "end", maxTokens: 3 })).toEqual({
      ids: [1, 10, EOT],
      cut: false,
    });
  });

  it("keeps only end-of-text at max 1, and refuses a head that does not fit", () => {
    expect(cutTokenIds([], [10, 11], { side: "end", maxTokens: 1 })).toEqual({
      ids: [EOT],
      cut: true,
    });
    expect(cutTokenIds([1, 2], [10], { side: "end", maxTokens: 3 })).toEqual({
      ids: [1, 2, EOT],
      cut: true,
    });
    expect(
      errorBody(() =>
        cutTokenIds([1, 2, 3], [10], { side: "end", maxTokens: 3 }),
      ),
    ).toEqual({
      status: 400,
      body: {
        message:
          "'max_tokens_per_input' is 3, fewer than the 4 tokens of the query's instruction prefix and end-of-text.",
        type: "invalid_request_error",
        param: "max_tokens_per_input",
        code: null,
      },
    });
  });
});

describe("resolveTruncation", () => {
  it("is off for none, the engine's limit by default, and refuses a max above it", () => {
    expect(resolveTruncation({}, 32_768)).toBeUndefined();
    expect(resolveTruncation({ truncate: "none" }, 32_768)).toBeUndefined();
    expect(resolveTruncation({ truncate: "end" }, 32_768)).toEqual({
      side: "end",
      maxTokens: 32_767,
    });
    expect(
      resolveTruncation(
        { truncate: "start", max_tokens_per_input: 32_767 },
        32_768,
      ),
    ).toEqual({ side: "start", maxTokens: 32_767 });
    expect(
      resolveTruncation({ truncate: "start", max_tokens_per_input: 1 }, 32_768),
    ).toEqual({ side: "start", maxTokens: 1 });
    expect(
      errorBody(() =>
        resolveTruncation(
          { truncate: "end", max_tokens_per_input: 32_768 },
          32_768,
        ),
      ),
    ).toEqual({
      status: 400,
      body: {
        message:
          "'max_tokens_per_input' must be between 1 and 32767 (the per-input limit, end-of-text included); got 32768.",
        type: "invalid_request_error",
        param: "max_tokens_per_input",
        code: null,
      },
    });
  });
});

describe("mayExceed", () => {
  it("bounds tokens by the UTF-8 bytes of the NFC form plus end-of-text", () => {
    expect(mayExceed("abc", 4)).toBe(false); // 3 bytes + 1
    expect(mayExceed("abcd", 4)).toBe(true);
    expect(mayExceed("\u00e9", 3)).toBe(false); // é: 2 bytes
    expect(mayExceed("e\u0301", 3)).toBe(false); // e + combining acute: NFC makes it é, 2 bytes
    expect(mayExceed("\u0958", 4)).toBe(true); // Devanagari QA: NFC decomposes it to 2 characters, 6 bytes
    expect(mayExceed("a".repeat(3640), 32_767)).toBe(false);
    expect(mayExceed("a".repeat(32_767), 32_767)).toBe(true);
  });
});
