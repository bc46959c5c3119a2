import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  chunkText,
  type ChunkingOptions,
  type TextChunk,
} from "../../../workers/indexing/chunker";
import { qwen3TokenCount } from "../../../workers/tokenizer/qwen3-tokens";

const THREE_PARAGRAPHS =
  "Tokens are counted exactly. Chunks never exceed the budget.\n\n" +
  "The second paragraph is short.\n\n" +
  "A third paragraph closes the text. It has two sentences.";

/** Chunks with the real Qwen3 counter, checked against every invariant before they are returned. */
async function chunkAndCheck(
  text: string,
  options: ChunkingOptions,
): Promise<TextChunk[]> {
  const chunks = await chunkText(text, options, qwen3TokenCount);
  await expectWellFormed(text, chunks, options);
  return chunks;
}

/**
 * Every chunk is the exact code-point slice it claims, counted exactly and within budget;
 * together they cover the text in order, each starting inside (or at the end of) the one
 * before, after its start, and repeating at most overlapTokens tokens of it.
 */
async function expectWellFormed(
  text: string,
  chunks: TextChunk[],
  { maxTokens, overlapTokens }: ChunkingOptions,
) {
  const codePoints = Array.from(text);
  const slice = (start: number, end: number) =>
    codePoints.slice(start, end).join("");
  expect(chunks.length).toBeGreaterThan(0);
  expect(chunks[0]!.start).toBe(0);
  expect(chunks.at(-1)!.end).toBe(codePoints.length);
  for (const [i, chunk] of chunks.entries()) {
    expect(chunk.text).toBe(slice(chunk.start, chunk.end));
    expect(chunk.tokenCount).toBe(await qwen3TokenCount(chunk.text));
    expect(chunk.tokenCount).toBeLessThanOrEqual(maxTokens);
    const previous = chunks[i - 1];
    if (!previous) continue;
    expect(chunk.start).toBeGreaterThan(previous.start);
    expect(chunk.end).toBeGreaterThan(previous.end);
    expect(chunk.start).toBeLessThanOrEqual(previous.end);
    if (overlapTokens === 0) expect(chunk.start).toBe(previous.end);
    if (chunk.start < previous.end) {
      expect(
        await qwen3TokenCount(slice(chunk.start, previous.end)),
      ).toBeLessThanOrEqual(overlapTokens);
    }
  }
}

/** Deterministic bytes as base64: one long "word" with no break the chunker can use. */
function pseudoRandomBase64(bytes: number): string {
  let state = 12345;
  const data = new Uint8Array(bytes).map(
    () => (state = (state * 1103515245 + 12345) % 2 ** 31) >> 16,
  );
  return Buffer.from(data).toString("base64");
}

/** Each chunk is the longest prefix within budget of the text from its start: one more code point is over. */
async function expectLongestPrefixes(
  text: string,
  chunks: TextChunk[],
  maxTokens: number,
) {
  const codePoints = Array.from(text);
  for (const chunk of chunks) {
    expect(
      await qwen3TokenCount(chunk.text + codePoints[chunk.end]!),
    ).toBeGreaterThan(maxTokens);
  }
}

describe("chunkText: boundaries", () => {
  it("packs whole paragraphs, with the blank line kept at the end of the earlier one", async () => {
    expect(await qwen3TokenCount(THREE_PARAGRAPHS)).toBe(31);
    expect(
      await chunkAndCheck(THREE_PARAGRAPHS, {
        maxTokens: 20,
        overlapTokens: 0,
      }),
    ).toEqual([
      {
        text: "Tokens are counted exactly. Chunks never exceed the budget.\n\nThe second paragraph is short.\n\n",
        start: 0,
        end: 93,
        tokenCount: 19,
      },
      {
        text: "A third paragraph closes the text. It has two sentences.",
        start: 93,
        end: 149,
        tokenCount: 13,
      },
    ]);
  });

  it("repeats the longest tail of whole pieces within overlapTokens", async () => {
    expect(
      await chunkAndCheck(THREE_PARAGRAPHS, {
        maxTokens: 20,
        overlapTokens: 10,
      }),
    ).toEqual([
      {
        text: "Tokens are counted exactly. Chunks never exceed the budget.\n\nThe second paragraph is short.\n\n",
        start: 0,
        end: 93,
        tokenCount: 19,
      },
      {
        text: "The second paragraph is short.\n\nA third paragraph closes the text. It has two sentences.",
        start: 61,
        end: 149,
        tokenCount: 19,
      },
    ]);
    // The repeated paragraph is 7 tokens; with a budget of 6 nothing is repeated.
    const noRoom = await chunkAndCheck(THREE_PARAGRAPHS, {
      maxTokens: 20,
      overlapTokens: 6,
    });
    expect(noRoom.map((c) => [c.start, c.end])).toEqual([
      [0, 93],
      [93, 149],
    ]);
  });

  it("splits a paragraph over budget at its sentences", async () => {
    expect(
      await chunkAndCheck(THREE_PARAGRAPHS, {
        maxTokens: 12,
        overlapTokens: 0,
      }),
    ).toEqual([
      {
        text: "Tokens are counted exactly. ",
        start: 0,
        end: 28,
        tokenCount: 7,
      },
      {
        text: "Chunks never exceed the budget.\n\n",
        start: 28,
        end: 61,
        tokenCount: 7,
      },
      {
        text: "The second paragraph is short.\n\n",
        start: 61,
        end: 93,
        tokenCount: 7,
      },
      {
        text: "A third paragraph closes the text. ",
        start: 93,
        end: 128,
        tokenCount: 9,
      },
      { text: "It has two sentences.", start: 128, end: 149, tokenCount: 6 },
    ]);
  });

  it("splits a sentence over budget at whitespace, repeating whole words", async () => {
    const chunks = await chunkAndCheck(THREE_PARAGRAPHS, {
      maxTokens: 6,
      overlapTokens: 3,
    });
    expect(chunks.slice(0, 5)).toEqual([
      { text: "Tokens are ", start: 0, end: 11, tokenCount: 4 },
      { text: "are counted ", start: 7, end: 19, tokenCount: 4 },
      { text: "exactly. ", start: 19, end: 28, tokenCount: 5 },
      { text: "Chunks never ", start: 28, end: 41, tokenCount: 4 },
      { text: "never exceed ", start: 35, end: 48, tokenCount: 4 },
    ]);
    expect(chunks).toHaveLength(17);
    // Separators stay at the end of the earlier piece, so no chunk starts on whitespace.
    expect(chunks.filter((c) => /^\s/u.test(c.text))).toEqual([]);
  });

  it("counts offsets in code points and ends CJK sentences at 。 without a space", async () => {
    const text = "😀 Emoji first! 你好世界。这是第二句。🎉🎉 Party time? Yes.";
    expect([text.length, Array.from(text).length]).toEqual([48, 45]);
    expect(
      await chunkAndCheck(text, { maxTokens: 6, overlapTokens: 0 }),
    ).toEqual([
      { text: "😀 Emoji first! ", start: 0, end: 15, tokenCount: 6 },
      { text: "你好世界。", start: 15, end: 20, tokenCount: 4 },
      { text: "这是第二句。", start: 20, end: 26, tokenCount: 5 },
      { text: "🎉🎉 Party ", start: 26, end: 35, tokenCount: 5 },
      { text: "time? Yes.", start: 35, end: 45, tokenCount: 5 },
    ]);
    expect(
      await chunkAndCheck(text, { maxTokens: 10, overlapTokens: 5 }),
    ).toEqual([
      { text: "😀 Emoji first! 你好世界。", start: 0, end: 20, tokenCount: 9 },
      { text: "你好世界。这是第二句。", start: 15, end: 26, tokenCount: 8 },
      { text: "🎉🎉 Party time? Yes.", start: 26, end: 45, tokenCount: 8 },
    ]);
  });
});

describe("chunkText: whole texts and edge cases", () => {
  it("returns one chunk covering the whole text, whitespace included, when it fits", async () => {
    const text = "  Hello world.\n\n";
    const chunks = await chunkAndCheck(text, {
      maxTokens: 800,
      overlapTokens: 400,
    });
    expect(chunks).toEqual([{ text, start: 0, end: 16, tokenCount: 5 }]);
  });

  it("returns no chunks for empty or whitespace-only text, without counting anything", async () => {
    const counted: string[] = [];
    const countTokens = async (s: string) => {
      counted.push(s);
      return qwen3TokenCount(s);
    };
    for (const text of ["", "   ", " \n\n\t\u3000\r\n "]) {
      expect(
        await chunkText(text, { maxTokens: 10, overlapTokens: 2 }, countTokens),
      ).toEqual([]);
    }
    expect(counted).toEqual([]);
  });

  it("rejects options that cannot make progress", async () => {
    for (const options of [
      { maxTokens: 1, overlapTokens: 0 },
      { maxTokens: 10.5, overlapTokens: 0 },
      { maxTokens: 10, overlapTokens: 10 },
      { maxTokens: 10, overlapTokens: -1 },
      { maxTokens: 10, overlapTokens: 1.5 },
    ]) {
      await expect(
        chunkText("Some text.", options, qwen3TokenCount),
      ).rejects.toThrow(RangeError);
    }
  });

  it("refuses a budget too small for one code point rather than emit a chunk over it", async () => {
    // U+20000 is three byte-level tokens, four with end-of-text.
    expect(await qwen3TokenCount("𠀀")).toBe(4);
    await expect(
      chunkText("𠀀𠀀", { maxTokens: 3, overlapTokens: 0 }, qwen3TokenCount),
    ).rejects.toThrow("maxTokens 3 cannot hold the code point at offset 0");
  });
});

describe("chunkText: words longer than the budget", () => {
  it("cuts a run of one letter at the longest prefix within budget", async () => {
    const text = "a".repeat(5000);
    const chunks = await chunkAndCheck(text, {
      maxTokens: 100,
      overlapTokens: 0,
    });
    expect(chunks.map((c) => [c.start, c.end, c.tokenCount])).toEqual([
      [0, 788, 100],
      [788, 1576, 100],
      [1576, 2364, 100],
      [2364, 3152, 100],
      [3152, 3940, 100],
      [3940, 4728, 100],
      [4728, 5000, 35],
    ]);
    await expectLongestPrefixes(text, chunks.slice(0, -1), 100);
  });

  it("cuts base64 inside the word only, at the longest prefixes within budget", async () => {
    const blob = pseudoRandomBase64(3000);
    const text = `Attachment follows. data:application/octet-stream;base64,${blob} End of attachment.`;
    const chunks = await chunkAndCheck(text, {
      maxTokens: 50,
      overlapTokens: 10,
    });
    // The sentence before the blob stays whole, and the blob's first cut starts at its word.
    expect(chunks[0]).toEqual({
      text: "Attachment follows. ",
      start: 0,
      end: 20,
      tokenCount: 5,
    });
    expect(
      chunks[1]!.text.startsWith("data:application/octet-stream;base64,3AT1ef"),
    ).toBe(true);
    expect(chunks.at(-1)!.text.endsWith("DDn End of attachment.")).toBe(true);
    expect(chunks).toHaveLength(63);
    await expectLongestPrefixes(text, chunks.slice(1, -1), 50);
  });

  it("never splits a surrogate pair", async () => {
    const text = "😀".repeat(300);
    expect(text.length).toBe(600);
    const chunks = await chunkAndCheck(text, {
      maxTokens: 20,
      overlapTokens: 0,
    });
    // "😀" is one token: 19 per chunk plus end-of-text.
    expect(chunks.map((c) => c.end - c.start)).toEqual([
      ...new Array<number>(15).fill(19),
      15,
    ]);
    expect(chunks.every((c) => c.text === "😀".repeat(c.end - c.start))).toBe(
      true,
    );
  });
});

describe("chunkText: does not assume counts add up", () => {
  // An injected counter whose joins cost more than their parts, which BPE can do, drives
  // the paths that re-count and shrink; the real tokenizer rarely reaches them.
  const countWithJoinPenalty =
    (penalised: (s: string) => boolean) => async (s: string) =>
      Array.from(s).length + 1 + (penalised(s) ? 3 : 0);

  it("drops trailing pieces from a packed chunk whose count is over budget", async () => {
    const countTokens = countWithJoinPenalty((s) => s.includes("a b"));
    expect(
      await chunkText(
        "aa bb cc dd",
        { maxTokens: 8, overlapTokens: 0 },
        countTokens,
      ),
    ).toEqual([
      { text: "aa ", start: 0, end: 3, tokenCount: 4 },
      { text: "bb cc ", start: 3, end: 9, tokenCount: 7 },
      { text: "dd", start: 9, end: 11, tokenCount: 3 },
    ]);
  });

  it("drops repeated pieces before new ones when the next chunk is over budget", async () => {
    const countTokens = countWithJoinPenalty((s) => s.includes("bb cc"));
    expect(
      await chunkText(
        "aa bb cc dd",
        { maxTokens: 9, overlapTokens: 4 },
        countTokens,
      ),
    ).toEqual([
      { text: "aa bb ", start: 0, end: 6, tokenCount: 7 },
      { text: "cc ", start: 6, end: 9, tokenCount: 4 },
      { text: "dd", start: 9, end: 11, tokenCount: 3 },
    ]);
  });

  it("re-counts the overlap tail and shortens it when it is over overlapTokens", async () => {
    const countTokens = countWithJoinPenalty((s) => s.startsWith("bb c"));
    expect(
      await chunkText(
        "aa bb cc dd ee",
        { maxTokens: 10, overlapTokens: 7 },
        countTokens,
      ),
    ).toEqual([
      { text: "aa bb cc ", start: 0, end: 9, tokenCount: 10 },
      { text: "cc dd ee", start: 6, end: 14, tokenCount: 9 },
    ]);
  });
});

describe("chunkText: cost", () => {
  /** Chunks `text` and returns the characters the counter was given, as a multiple of its length. */
  async function charactersCounted(
    text: string,
    options: ChunkingOptions,
  ): Promise<number> {
    let characters = 0;
    const countTokens = async (s: string) => {
      characters += s.length;
      return qwen3TokenCount(s);
    };
    await expectWellFormed(
      text,
      await chunkText(text, options, countTokens),
      options,
    );
    return characters / text.length;
  }

  it("counts a 200 KB document a few times over, not once per chunk or piece pair", async () => {
    const sentences = Array.from(
      { length: 2900 },
      (_, i) => `Sentence ${i} is about ${"word ".repeat(i % 17)}things.`,
    );
    const text = sentences
      .map((s, i) => s + (i % 9 === 8 ? "\n\n" : " "))
      .join("");
    expect(text.length).toBeGreaterThan(200_000);
    // Once whole, once as pieces, and each chunk once; at a 50% overlap the chunks hold the
    // text twice, and each overlap tail is counted once more.
    expect(
      await charactersCounted(text, { maxTokens: 800, overlapTokens: 400 }),
    ).toBeLessThan(6);
  });

  it("cuts a 50 KB word in a bounded number of probes per chunk", async () => {
    expect(
      await charactersCounted(pseudoRandomBase64(37_500), {
        maxTokens: 800,
        overlapTokens: 0,
      }),
    ).toBeLessThan(12);
  });
});

describe("chunkText: properties", () => {
  /** `item`s each followed by a separator (the last one too, so texts end in whitespace sometimes). */
  const separated = (
    item: fc.Arbitrary<string>,
    separator: fc.Arbitrary<string>,
    maxLength: number,
  ) =>
    fc
      .array(fc.tuple(item, separator), { minLength: 1, maxLength })
      .map((parts) => parts.flat().join(""));

  const word = fc.oneof(
    fc.constantFrom(
      "the",
      "token",
      "chunks",
      "Qwen3",
      "naïve",
      "e.g.",
      "1234",
      "😀",
      "🎉🎉",
      "👨‍👩‍👧",
      "你好世界",
      "数据",
      "𠀀",
    ),
    fc.stringMatching(/^[A-Za-z0-9+/]{1,120}$/),
  );
  const wordSeparator = fc.constantFrom(
    " ",
    "  ",
    "\t",
    "\n",
    "\u3000",
    " ".repeat(70),
    "",
  );
  const sentence = fc
    .tuple(
      separated(word, wordSeparator, 12),
      fc.constantFrom(".", "!", "?", "。", "！", ""),
    )
    .map(([words, end]) => words + end);
  const paragraph = separated(sentence, fc.constantFrom(" ", "\n", ""), 6);
  const document = fc
    .tuple(
      fc.constantFrom("", " ", "\n"),
      separated(
        paragraph,
        fc.constantFrom("\n\n", "\n \n", "\r\n\r\n", "\n\n\n"),
        6,
      ),
    )
    .map(([lead, body]) => lead + body);
  // From 5 tokens up any code point fits (at most 4 byte-level tokens plus end-of-text).
  const options = fc.integer({ min: 5, max: 60 }).chain((maxTokens) =>
    fc.record({
      maxTokens: fc.constant(maxTokens),
      overlapTokens: fc.integer({ min: 0, max: maxTokens - 1 }),
    }),
  );

  it("covers any text in order with exact chunks within budget and overlap", async () => {
    await fc.assert(
      fc.asyncProperty(document, options, async (text, opts) => {
        const chunks = await chunkAndCheck(text, opts);
        if ((await qwen3TokenCount(text)) <= opts.maxTokens)
          expect(chunks).toHaveLength(1);
      }),
      { numRuns: 50 },
    );
  });
});
