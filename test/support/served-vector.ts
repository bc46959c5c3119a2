/**
 * The test oracle for what the edge serves from a GPU vector, written here from the
 * documented arithmetic rather than with the edge's helpers: round each value to the
 * nearest float16 (ties to even, as IEEE 754 binary16 and the cache record do), keep the
 * first `dims`, then divide by the L2 norm summed in float64 and store as float32.
 */

/** `x` rounded to the nearest binary16 value (ties to even), as a number. Unit vectors never overflow binary16. */
export function nearestFloat16(x: number): number {
  if (x === 0 || !Number.isFinite(x)) return x;
  const magnitude = Math.abs(x);
  let exponent = Math.floor(Math.log2(magnitude));
  if (2 ** exponent > magnitude) exponent -= 1;
  else if (2 ** (exponent + 1) <= magnitude) exponent += 1;
  // binary16: 10 fraction bits for normals (exponent >= -14), a fixed 2^-24 step below.
  const step = 2 ** (Math.max(exponent, -14) - 10);
  const scaled = magnitude / step; // exact: a power-of-two division of a float32
  const floor = Math.floor(scaled);
  const rest = scaled - floor;
  const units =
    rest > 0.5
      ? floor + 1
      : rest < 0.5
        ? floor
        : floor % 2 === 0
          ? floor
          : floor + 1;
  return Math.sign(x) * units * step;
}

/** What the edge answers for a GPU vector at `dims` (float16 cache records, the default). */
export function servedFromFloat16Record(
  vector: Float32Array,
  dims = vector.length,
): Float32Array {
  const kept = Array.from(vector.subarray(0, dims), nearestFloat16);
  const norm = Math.sqrt(kept.reduce((sum, v) => sum + v * v, 0));
  return Float32Array.from(kept, (v) => (norm === 0 ? 0 : v * (1 / norm)));
}

/** The first `dims` values of a served vector divided by their L2 norm (float64 sum), as float32. */
export function renormalizedPrefix(
  vector: Float32Array,
  dims: number,
): Float32Array {
  const kept = Array.from(vector.subarray(0, dims));
  const norm = Math.sqrt(kept.reduce((sum, v) => sum + v * v, 0));
  return Float32Array.from(kept, (v) => (norm === 0 ? 0 : v * (1 / norm)));
}

/** An `encoding_format: "base64"` embedding read back: standard base64 of little-endian float32s. */
export function float32FromBase64(text: string): Float32Array {
  const bytes = Buffer.from(text, "base64");
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  return Float32Array.from({ length: bytes.byteLength / 4 }, (_, i) =>
    view.getFloat32(i * 4, true),
  );
}
