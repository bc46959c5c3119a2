/**
 * The stand-in's vectors: signed feature hashing of lowercase words and character
 * 3-grams (with word-boundary markers) into 2560 dimensions, L2-normalised.
 *
 * These are NOT Qwen3-Embedding-4B vectors. They exist so the system can run and be
 * tested without a GPU, with properties tests can rely on:
 * - deterministic across runs and machines: only 32-bit integer hashing (FNV-1a over
 *   UTF-8 bytes, then a murmur3 finaliser) decides where a feature lands;
 * - lexically similar texts get a higher cosine than unrelated ones;
 * - Matryoshka-like: each feature lands once in every prefix band (dims 0-32, 32-64,
 *   64-128, …, 1024-2560), so any prefix the edge truncates to (32 dims or more) is
 *   itself a feature-hashing sketch: truncated vectors are never all zero and keep
 *   lexical similarity, as Qwen3's Matryoshka-trained vectors keep meaning;
 * - every text, even "" or "!!!", gets a unit vector (a whole-text fallback feature);
 * - text is NFC-normalised first, as Qwen3's tokenizer does, so a text and the decoded
 *   form of its token ids embed identically.
 *
 * Hot loop works on code points with one scratch Float64Array and no allocation per
 * feature, so 256 inputs of ~50 words take a few milliseconds.
 */
export const EMBEDDING_DIMENSIONS = 2560;

const FNV_OFFSET = 0x811c9dc5;
const FNV_PRIME = 0x01000193;

// Salts keep the feature kinds apart: the word "the" and the 3-gram "the" differ.
const WORD_SALT = 0x77; // "w"
const GRAM_SALT = 0x67; // "g"
const WHOLE_TEXT_SALT = 0x72; // "r"
const EXTRA_SALT = 0x78; // "x"

// Boundary markers are control characters, which never occur inside a word.
const WORD_START = 0x02;
const WORD_END = 0x03;

const WORD_WEIGHT = 1;
const GRAM_WEIGHT = 0.5;

/** Band edges: the prefixes the edge may truncate to start at 32 dims. */
const BAND_STARTS = new Int32Array([0, 32, 64, 128, 256, 512, 1024]);
const BAND_WIDTHS = new Int32Array([
  32,
  32,
  64,
  128,
  256,
  512,
  EMBEDDING_DIMENSIONS - 1024,
]);
const BANDS = BAND_STARTS.length;
const LAST_BAND = BANDS - 1;

const scratch = new Float64Array(EMBEDDING_DIMENSIONS);

function fnvByte(hash: number, byte: number): number {
  return Math.imul(hash ^ byte, FNV_PRIME);
}

/** Folds one code point's UTF-8 bytes into an FNV-1a hash. */
function fnvCodePoint(hash: number, cp: number): number {
  if (cp < 0x80) return fnvByte(hash, cp);
  if (cp < 0x800) {
    hash = fnvByte(hash, 0xc0 | (cp >> 6));
    return fnvByte(hash, 0x80 | (cp & 0x3f));
  }
  if (cp < 0x10000) {
    hash = fnvByte(hash, 0xe0 | (cp >> 12));
    hash = fnvByte(hash, 0x80 | ((cp >> 6) & 0x3f));
    return fnvByte(hash, 0x80 | (cp & 0x3f));
  }
  hash = fnvByte(hash, 0xf0 | (cp >> 18));
  hash = fnvByte(hash, 0x80 | ((cp >> 12) & 0x3f));
  hash = fnvByte(hash, 0x80 | ((cp >> 6) & 0x3f));
  return fnvByte(hash, 0x80 | (cp & 0x3f));
}

/** murmur3's fmix32: FNV's low bits are weak, and the bucket is taken modulo 2560. */
function finalize(hash: number): number {
  hash ^= hash >>> 16;
  hash = Math.imul(hash, 0x85ebca6b);
  hash ^= hash >>> 13;
  hash = Math.imul(hash, 0xc2b2ae35);
  hash ^= hash >>> 16;
  return hash >>> 0;
}

/**
 * One signed bucket per band. The finalised hash seeds a xorshift32 sequence, one step
 * per band: cheaper than re-hashing seven times, and still a fixed function of the
 * feature. All bands but the last are powers of two, so a mask picks the bucket.
 */
function addFeature(hash: number, weight: number): void {
  let h = finalize(hash) | 1; // xorshift32 must not start at 0
  for (let band = 0; band < LAST_BAND; band++) {
    h ^= h << 13;
    h ^= h >>> 17;
    h ^= h << 5;
    // The top bit is independent of the masked low bits, so it gives the sign.
    scratch[BAND_STARTS[band]! + (h & (BAND_WIDTHS[band]! - 1))]! +=
      h < 0 ? -weight : weight;
  }
  h ^= h << 13;
  h ^= h >>> 17;
  h ^= h << 5;
  const bucket =
    BAND_STARTS[LAST_BAND]! + ((h >>> 0) % BAND_WIDTHS[LAST_BAND]!);
  scratch[bucket]! += h < 0 ? -weight : weight;
}

const nonAsciiWordChar = new Map<number, boolean>();
const WORD_CHAR = /^[\p{L}\p{N}\p{M}]$/u;

/** Letters, digits and combining marks; cached per code point outside ASCII. */
function isWordChar(cp: number): boolean {
  if (cp < 0x80) {
    return (cp >= 0x61 && cp <= 0x7a) || (cp >= 0x30 && cp <= 0x39);
  }
  let known = nonAsciiWordChar.get(cp);
  if (known === undefined) {
    known = WORD_CHAR.test(String.fromCodePoint(cp));
    nonAsciiWordChar.set(cp, known);
  }
  return known;
}

/** Adds the word and 3-gram features of `text` to the scratch vector; returns their count. */
function addTextFeatures(text: string): number {
  let features = 0;
  let inWord = false;
  let wordHash = 0;
  let prev2 = -1;
  let prev1 = -1;
  const endWord = (): void => {
    addFeature(wordHash, WORD_WEIGHT);
    // prev2 is always set here: a word has at least one character after the marker.
    let g = fnvByte(FNV_OFFSET, GRAM_SALT);
    g = fnvCodePoint(fnvCodePoint(fnvCodePoint(g, prev2), prev1), WORD_END);
    addFeature(g, GRAM_WEIGHT);
    features += 2;
    inWord = false;
  };
  for (let i = 0; i < text.length; i++) {
    const cp = text.codePointAt(i)!;
    if (cp > 0xffff) i++;
    if (!isWordChar(cp)) {
      if (inWord) endWord();
      continue;
    }
    if (!inWord) {
      inWord = true;
      wordHash = fnvByte(FNV_OFFSET, WORD_SALT);
      prev2 = -1;
      prev1 = WORD_START;
    }
    wordHash = fnvCodePoint(wordHash, cp);
    if (prev2 >= 0) {
      let g = fnvByte(FNV_OFFSET, GRAM_SALT);
      g = fnvCodePoint(fnvCodePoint(fnvCodePoint(g, prev2), prev1), cp);
      addFeature(g, GRAM_WEIGHT);
      features++;
    }
    prev2 = prev1;
    prev1 = cp;
  }
  if (inWord) endWord();
  return features;
}

function hashWholeText(text: string, salt: number): number {
  let h = fnvByte(FNV_OFFSET, salt);
  for (let i = 0; i < text.length; i++) {
    const cp = text.codePointAt(i)!;
    if (cp > 0xffff) i++;
    h = fnvCodePoint(h, cp);
  }
  return h;
}

export interface EmbedTextOptions {
  /**
   * An extra feature added to the text's own, so that inputs the real model would
   * embed differently (token ids without the end-of-text token it pools on) do not
   * come out identical to the proper input.
   */
  extraFeature?: string;
}

/** The stand-in vector of `text`: 2560 float32 values with L2 norm 1 (to float32 precision). */
export function embedText(
  text: string,
  options: EmbedTextOptions = {},
): Float32Array {
  scratch.fill(0);
  const normalized = text.normalize("NFC").toLowerCase();
  addTextFeatures(normalized);
  if (options.extraFeature !== undefined) {
    addFeature(hashWholeText(options.extraFeature, EXTRA_SALT), WORD_WEIGHT);
  }
  let sumSquares = 0;
  for (let i = 0; i < EMBEDDING_DIMENSIONS; i++)
    sumSquares += scratch[i]! * scratch[i]!;
  if (sumSquares === 0) {
    // No word features (or they cancelled out): fall back to the whole text, so
    // "!!!" and "???" still get distinct unit vectors.
    addFeature(hashWholeText(normalized, WHOLE_TEXT_SALT), WORD_WEIGHT);
    sumSquares = 0;
    for (let i = 0; i < EMBEDDING_DIMENSIONS; i++)
      sumSquares += scratch[i]! * scratch[i]!;
  }
  const inverseNorm = 1 / Math.sqrt(sumSquares);
  const vector = new Float32Array(EMBEDDING_DIMENSIONS);
  for (let i = 0; i < EMBEDDING_DIMENSIONS; i++)
    vector[i] = scratch[i]! * inverseNorm;
  return vector;
}

/** Cosine of two vectors of equal length (tests and diagnostics). */
export function cosine(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let dot = 0;
  let na = 0;
  let nb = 0;
  for (let i = 0; i < a.length; i++) {
    const x = a[i]!;
    const y = b[i]!;
    dot += x * y;
    na += x * x;
    nb += y * y;
  }
  return dot / Math.sqrt(na * nb);
}
