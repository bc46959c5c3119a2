/**
 * What a real embedding looks like, checked in one place: finite values with an L2 norm
 * within 0.01 of 1 (Qwen3-Embedding-4B normalises its output). A norm off by more means
 * a broken worker (e.g. fp16 overflow) or a damaged cache record, never a vector to
 * serve. The GPU pool checks every upstream vector (gpu/vector-decode.ts) and the cache
 * every record it decodes (cache/record.ts) with this same rule; float16 rounding of a
 * cache record moves the norm by under 0.001, well inside the tolerance.
 */
import { EMBEDDING_DIMENSIONS } from "../model";

/** Largest accepted |L2 norm - 1|. */
export const UNIT_NORM_TOLERANCE = 0.01;

/** Sum of squares in float64, or NaN as soon as a value is not finite. */
function sumOfSquaresIfFinite(vector: Float32Array): number {
  let sumOfSquares = 0;
  for (let i = 0; i < vector.length; i++) {
    const v = vector[i]!;
    if (!Number.isFinite(v)) return Number.NaN;
    sumOfSquares += v * v;
  }
  return sumOfSquares;
}

/** True when every value is finite and the L2 norm is within UNIT_NORM_TOLERANCE of 1. */
export function isUnitVector(vector: Float32Array): boolean {
  // NaN (a non-finite value) fails the comparison.
  return (
    Math.abs(Math.sqrt(sumOfSquaresIfFinite(vector)) - 1) <= UNIT_NORM_TOLERANCE
  );
}

/**
 * Why `vector` is not a full-size model output, for an upstream error message
 * ("has 12 dimensions, expected 2560", "has a non-finite value", "has L2 norm 0.5000,
 * expected 1"); undefined when it is one (EMBEDDING_DIMENSIONS values, `isUnitVector`).
 */
export function embeddingProblem(vector: Float32Array): string | undefined {
  if (vector.length !== EMBEDDING_DIMENSIONS) {
    return `has ${vector.length} dimensions, expected ${EMBEDDING_DIMENSIONS}`;
  }
  const sumOfSquares = sumOfSquaresIfFinite(vector);
  if (Number.isNaN(sumOfSquares)) return "has a non-finite value";
  const norm = Math.sqrt(sumOfSquares);
  if (Math.abs(norm - 1) > UNIT_NORM_TOLERANCE)
    return `has L2 norm ${norm.toFixed(4)}, expected 1`;
  return undefined;
}
