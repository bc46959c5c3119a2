/**
 * `npm run bench:recall`: how much retrieval each `output_dtype` keeps, as recall@10
 * against float search over the same vectors. Corpus and queries are generated sentences
 * (texts.ts) embedded by the CPU stand-in's embedder module directly (no servers), shaped
 * exactly as the edge serves them (float16 cache record, `dimensions` cut and
 * renormalised, then the production quantizers of workers/embeddings/output-dtype.ts).
 *
 * These are the STAND-IN's feature-hashing vectors, NOT Qwen3-Embedding-4B's: sparse
 * (most dimensions are exactly 0), so the figures describe the quantizers on this data
 * and say nothing definite about the real model's recall.
 *
 * Similarity per dtype, as the README tells clients to compare: float by dot product
 * (unit vectors), int8 by cosine, uint8 by cosine after subtracting 128, binary and
 * ubinary by Hamming distance over the packed bits (binary's bytes + 128 first).
 */
import { embedText } from "../../gpu-worker/standin/embedder";
import { roundTripThroughRecord } from "../../workers/cache/record";
import { truncateAndRenormalize } from "../../workers/vectors/truncate-renormalize";
import {
  toOutputDtype,
  type OutputDtype,
} from "../../workers/embeddings/output-dtype";
import { sentences } from "./texts";

const CORPUS = Number(process.env.RECALL_CORPUS ?? 4000);
const QUERIES = Number(process.env.RECALL_QUERIES ?? 200);
const K = 10;
const DIMENSIONS = [256, 1024, 2560];

type Score = (q: number, d: number) => number;

/** Indices of the K best-scoring corpus vectors (higher is better; ties by index, for determinism). */
function topK(score: (d: number) => number): number[] {
  const scored = Array.from(
    { length: CORPUS },
    (_, d) => [score(d), d] as const,
  );
  scored.sort((a, b) => b[0] - a[0] || a[1] - b[1]);
  return scored.slice(0, K).map(([, d]) => d);
}

function cosineScore(
  queries: ArrayLike<number>[],
  corpus: ArrayLike<number>[],
  offset: number,
): Score {
  const norm = (v: ArrayLike<number>) => {
    let s = 0;
    for (let i = 0; i < v.length; i++) s += (v[i]! - offset) ** 2;
    return Math.sqrt(s) || 1;
  };
  const qn = queries.map(norm);
  const dn = corpus.map(norm);
  return (q, d) => {
    const a = queries[q]!;
    const b = corpus[d]!;
    let dot = 0;
    for (let i = 0; i < a.length; i++)
      dot += (a[i]! - offset) * (b[i]! - offset);
    return dot / (qn[q]! * dn[d]!);
  };
}

const POPCOUNT = Uint8Array.from(
  { length: 256 },
  (_, b) => b.toString(2).replace(/0/g, "").length,
);

/** Negative Hamming distance over packed bits; `offset` 128 turns binary's int8 back into the packed byte. */
function hammingScore(
  queries: ArrayLike<number>[],
  corpus: ArrayLike<number>[],
  offset: number,
): Score {
  return (q, d) => {
    const a = queries[q]!;
    const b = corpus[d]!;
    let distance = 0;
    for (let i = 0; i < a.length; i++)
      distance += POPCOUNT[((a[i]! + offset) ^ (b[i]! + offset)) & 255]!;
    return -distance;
  };
}

const SCORERS: Record<
  Exclude<OutputDtype, "float">,
  (q: ArrayLike<number>[], c: ArrayLike<number>[]) => Score
> = {
  int8: (q, c) => cosineScore(q, c, 0),
  uint8: (q, c) => cosineScore(q, c, 128),
  binary: (q, c) => hammingScore(q, c, 128),
  ubinary: (q, c) => hammingScore(q, c, 0),
};

const served = (text: string) =>
  roundTripThroughRecord(embedText(text), "float16");
console.log(
  `quantization recall@${K} vs float: ${CORPUS} corpus + ${QUERIES} query texts, CPU STAND-IN vectors (NOT Qwen3-Embedding-4B)`,
);
const corpusFull = sentences(CORPUS, 101).map(served);
const queryFull = sentences(QUERIES, 202).map(served);

const rows: string[][] = [
  ["dimensions", "dtype", "bytes/vector", `recall@${K}`],
];
for (const dims of DIMENSIONS) {
  const corpus = corpusFull.map((v) => truncateAndRenormalize(v, dims));
  const queries = queryFull.map((v) => truncateAndRenormalize(v, dims));
  const floatScore = cosineScore(queries, corpus, 0);
  const truth = queries.map((_, q) => new Set(topK((d) => floatScore(q, d))));
  rows.push([String(dims), "float", String(dims * 4), "1.000"]);
  for (const dtype of Object.keys(SCORERS) as (keyof typeof SCORERS)[]) {
    const qc = queries.map((v) => toOutputDtype(v, dtype));
    const cc = corpus.map((v) => toOutputDtype(v, dtype));
    const score = SCORERS[dtype](qc, cc);
    let found = 0;
    for (let q = 0; q < QUERIES; q++)
      found += topK((d) => score(q, d)).filter((d) => truth[q]!.has(d)).length;
    rows.push([
      String(dims),
      dtype,
      String(cc[0]!.length),
      (found / (QUERIES * K)).toFixed(3),
    ]);
  }
}
const widths = rows[0]!.map((_, c) =>
  Math.max(...rows.map((r) => r[c]!.length)),
);
for (const row of rows)
  console.log(row.map((cell, c) => cell.padEnd(widths[c]!)).join("  "));
