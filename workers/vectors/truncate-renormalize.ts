/**
 * Matryoshka `dimensions`: the first `dims` values of the full vector, L2-normalised
 * again. The sum runs in float64 so the result does not depend on summation drift, and
 * every request (whatever `dimensions`) goes through it, so a vector served at 2560
 * dims is unit-norm even when it came from a float16 cache record.
 */
export function truncateAndRenormalize(
  vector: Float32Array,
  dims: number,
): Float32Array {
  const n = Math.min(dims, vector.length);
  let sumSquares = 0;
  for (let i = 0; i < n; i++) sumSquares += vector[i]! * vector[i]!;
  const out = new Float32Array(n);
  if (sumSquares === 0) return out;
  const scale = 1 / Math.sqrt(sumSquares);
  for (let i = 0; i < n; i++) out[i] = vector[i]! * scale;
  return out;
}
