/**
 * Splits a document into chunks of at most `maxTokens` tokens for indexing, each one
 * repeating a tail of at most `overlapTokens` tokens of the one before. Offsets are in
 * Unicode code points, as Python indexes a `str`, so clients in either language can slice
 * the original text; working on code points also means a surrogate pair is never split.
 *
 * Token counts are not additive: BPE merges across a join, and Qwen3's counter appends an
 * end-of-text token to every text. So each piece is counted once, pieces are packed by
 * summed counts (which run slightly high), and every chunk's own text is counted again
 * and shrunk until it is within budget. The counter is injected; production passes
 * `qwen3TokenCount`.
 */

export interface ChunkingOptions {
  /** Most tokens in one chunk's text, as `countTokens` counts it. */
  maxTokens: number;
  /** Most tokens in the tail a chunk repeats from the previous one, counted the same way. */
  overlapTokens: number;
}

export interface TextChunk {
  text: string;
  /** Code-point offset of the chunk's first character in the original text. */
  start: number;
  /** Code-point offset just past its last character. */
  end: number;
  tokenCount: number;
}

export type CountTokens = (text: string) => Promise<number>;

/** A span of the text, in code points, with the count of its own text. */
interface Piece {
  start: number;
  end: number;
  tokens: number;
}

interface Chunking extends ChunkingOptions {
  codePoints: readonly string[];
  countTokens: CountTokens;
}

/**
 * Whether a piece may end after the code point `before` and the whitespace gap that follows
 * it (`gapLength` code points holding `gapNewlines` line feeds). The gap stays with the
 * earlier piece, so chunks after the first start on the text itself, not on a separator.
 */
type BreakRule = (
  before: string,
  gapLength: number,
  gapNewlines: number,
) => boolean;

const SENTENCE_END = new Set([".", "!", "?"]);
// CJK text puts no space after a full stop, so these end a sentence with or without one.
const CJK_SENTENCE_END = new Set(["。", "！", "？"]);
const WHITESPACE = /\s/u;

// Coarsest first: a piece still over budget is split by the next rule, and a piece that no
// rule splits (one long "word") is cut at the longest prefix that fits.
const BREAK_RULES: readonly BreakRule[] = [
  (_before, _gapLength, gapNewlines) => gapNewlines >= 2, // a blank line between paragraphs
  (before, gapLength) =>
    CJK_SENTENCE_END.has(before) || (gapLength > 0 && SENTENCE_END.has(before)),
  (_before, gapLength) => gapLength > 0,
];

/** The document's chunks in order; [] when it is empty or only whitespace. */
export async function chunkText(
  text: string,
  options: ChunkingOptions,
  countTokens: CountTokens,
): Promise<TextChunk[]> {
  assertValidOptions(options);
  if (/^\s*$/u.test(text)) return [];
  const c: Chunking = { ...options, codePoints: Array.from(text), countTokens };
  const tokens = await countTokens(text);
  if (tokens <= c.maxTokens)
    return [{ text, start: 0, end: c.codePoints.length, tokenCount: tokens }];
  const pieces: Piece[] = [];
  await splitToFit(c, 0, c.codePoints.length, tokens, 0, pieces);
  return packChunks(c, pieces);
}

function assertValidOptions({
  maxTokens,
  overlapTokens,
}: ChunkingOptions): void {
  if (!Number.isInteger(maxTokens) || maxTokens < 2) {
    throw new RangeError(
      `maxTokens must be an integer of at least 2, got ${maxTokens}`,
    );
  }
  if (
    !Number.isInteger(overlapTokens) ||
    overlapTokens < 0 ||
    overlapTokens >= maxTokens
  ) {
    throw new RangeError(
      `overlapTokens must be an integer from 0 to maxTokens - 1, got ${overlapTokens}`,
    );
  }
}

function textOf(c: Chunking, start: number, end: number): string {
  return c.codePoints.slice(start, end).join("");
}

/** Appends to `out` pieces that cover [start, end) and each fit in maxTokens; `tokens` is the span's count. */
async function splitToFit(
  c: Chunking,
  start: number,
  end: number,
  tokens: number,
  level: number,
  out: Piece[],
) {
  if (tokens <= c.maxTokens) {
    out.push({ start, end, tokens });
    return;
  }
  const rule = BREAK_RULES[level];
  if (!rule) return cutLongestPrefixes(c, start, end, out);
  const bounds = [
    start,
    ...breakPositions(c.codePoints, start, end, rule),
    end,
  ];
  if (bounds.length === 2)
    return splitToFit(c, start, end, tokens, level + 1, out);
  for (let i = 1; i < bounds.length; i++) {
    const [from, to] = [bounds[i - 1]!, bounds[i]!];
    await splitToFit(
      c,
      from,
      to,
      await c.countTokens(textOf(c, from, to)),
      level + 1,
      out,
    );
  }
}

/** Code-point positions strictly inside [start, end) where `rule` lets a new piece begin. */
function breakPositions(
  codePoints: readonly string[],
  start: number,
  end: number,
  rule: BreakRule,
): number[] {
  const breaks: number[] = [];
  let gapStart = start; // the whitespace gap before position i is [gapStart, i)
  let gapNewlines = 0;
  for (let i = start; i < end; i++) {
    const ch = codePoints[i]!;
    if (WHITESPACE.test(ch)) {
      if (ch === "\n") gapNewlines++;
      continue;
    }
    if (
      gapStart > start &&
      rule(codePoints[gapStart - 1]!, i - gapStart, gapNewlines)
    )
      breaks.push(i);
    gapStart = i + 1;
    gapNewlines = 0;
  }
  return breaks;
}

/**
 * Cuts [start, end) into the longest prefixes within budget. Each search starts from the
 * last cut's length and gallops before bisecting, so probes stay near one chunk's size
 * instead of the whole (possibly 200 KB) span.
 */
async function cutLongestPrefixes(
  c: Chunking,
  start: number,
  end: number,
  out: Piece[],
) {
  let guess = c.maxTokens;
  for (let pos = start; pos < end;) {
    const remaining = end - pos;
    // Invariant: a prefix of `fits` code points is within budget, one of `over` is not.
    let fits = 0;
    let fitsTokens = 0;
    let over = remaining + 1;
    const within = async (length: number) => {
      const tokens = await c.countTokens(textOf(c, pos, pos + length));
      if (tokens > c.maxTokens) over = length;
      else [fits, fitsTokens] = [length, tokens];
      return tokens <= c.maxTokens;
    };
    let step = Math.max(1, Math.ceil(guess / 64));
    if (await within(Math.min(guess, remaining))) {
      while (
        fits < remaining &&
        (await within(Math.min(fits + step, remaining)))
      )
        step *= 2;
    } else {
      while (over > 1 && !(await within(Math.max(over - step, 1)))) step *= 2;
    }
    while (over - fits > 1) await within((fits + over) >>> 1);
    if (fits === 0) {
      // With Qwen3 only below 5 tokens: a code point is at most 4 byte-level tokens, plus end-of-text.
      throw new RangeError(
        `maxTokens ${c.maxTokens} cannot hold the code point at offset ${pos}`,
      );
    }
    out.push({ start: pos, end: pos + fits, tokens: fitsTokens });
    pos += fits;
    guess = fits;
  }
}

/** Packs pieces greedily into chunks, each starting inside the previous one's overlap tail. */
async function packChunks(
  c: Chunking,
  pieces: readonly Piece[],
): Promise<TextChunk[]> {
  // What a piece adds to a sum is its count less the counter's fixed part (Qwen3's
  // end-of-text token), which a chunk pays once.
  const fixed = await c.countTokens("");
  const cost = (i: number) => pieces[i]!.tokens - fixed;

  const chunks: TextChunk[] = [];
  let first = 0;
  let fresh = 0; // the first piece no chunk holds yet: every chunk takes it, so each one moves on
  for (;;) {
    let end = first;
    for (
      let sum = fixed;
      end < pieces.length && (end <= fresh || sum + cost(end) <= c.maxTokens);
      end++
    )
      sum += cost(end);
    let span = await countPieces(c, pieces, first, end);
    while (span.tokens > c.maxTokens) {
      // Every piece fits alone, so this ends by the time only `fresh` is left.
      if (end - 1 > fresh) end--;
      else first++;
      span = await countPieces(c, pieces, first, end);
    }
    chunks.push({
      text: span.text,
      start: pieces[first]!.start,
      end: pieces[end - 1]!.end,
      tokenCount: span.tokens,
    });
    if (end === pieces.length) return chunks;
    [first, fresh] = [await overlapStart(c, pieces, first, end, fixed), end];
  }
}

/**
 * First piece of the next chunk: the longest tail of whole pieces of the chunk [first, end)
 * within overlapTokens that leaves room for piece `end`, so the next chunk brings new text.
 * It is always after `first`, so chunk starts strictly increase.
 */
async function overlapStart(
  c: Chunking,
  pieces: readonly Piece[],
  first: number,
  end: number,
  fixed: number,
) {
  const cost = (i: number) => pieces[i]!.tokens - fixed;
  const budget = Math.min(c.overlapTokens, c.maxTokens - cost(end));
  let start = end;
  for (
    let sum = fixed;
    start - 1 > first && sum + cost(start - 1) <= budget;
    start--
  )
    sum += cost(start - 1);
  while (
    start < end &&
    (await countPieces(c, pieces, start, end)).tokens > c.overlapTokens
  )
    start++;
  return start;
}

/** Text and count of pieces [first, end); one piece's count is already known. */
async function countPieces(
  c: Chunking,
  pieces: readonly Piece[],
  first: number,
  end: number,
) {
  const text = textOf(c, pieces[first]!.start, pieces[end - 1]!.end);
  const tokens =
    end - first === 1 ? pieces[first]!.tokens : await c.countTokens(text);
  return { text, tokens };
}
