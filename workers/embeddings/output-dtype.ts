/**
 * `output_dtype` (extension): the served vector (already cut to `dimensions` and
 * renormalised) as 8-bit integers or packed sign bits, computed on the way out from the
 * one cached full vector, so every dtype is served from the same cache entry.
 *
 * The types and the binary layout follow Voyage AI's `output_dtype`
 * (https://docs.voyageai.com/reference/embeddings-api, "output_dtype";
 * https://docs.voyageai.com/docs/flexible-dimensions-and-quantization, "Quantization"):
 *
 * - `int8`: q[i] = roundHalfAwayFromZero((x[i] * 127) / s) with s = max_i |x[i]| of this
 *   vector, in IEEE double arithmetic from the float32 values (0 for a zero vector). The
 *   largest magnitude maps to exactly ±127, so the range is -127..127 (-128 is never
 *   used) and q(-x) = -q(x). A per-vector scale rather than a global constant because a
 *   unit vector's values shrink with its length (about 1/sqrt(dims): ~0.02 at 2,560 dims,
 *   ~0.18 at 32), so no single constant uses the 8 bits well at every `dimensions`.
 *   Compare int8 vectors by cosine similarity (the scale differs per vector, so a raw
 *   dot product is only proportional to cosine when norms are taken into account).
 * - `uint8`: the int8 value + 128 (1..255); subtract 128 before comparing, then cosine.
 * - `ubinary`: one bit per dimension, 1 where x[i] > 0 (0 for x[i] <= 0), packed 8 per
 *   byte with the first dimension in the most significant bit (numpy's `packbits`
 *   default bit order); `dimensions / 8` bytes, as uint8 values 0..255.
 * - `binary`: the same packed byte minus 128 (offset binary), as int8 -128..127.
 *   Compare binary and ubinary vectors by Hamming distance over the bits.
 *
 * `encoding_format: base64` carries these as raw bytes: int8/binary as two's complement.
 */
import { bytesToBase64, encodeFloat32Base64 } from "../codec/float32-base64";

export const OUTPUT_DTYPES = [
  "float",
  "int8",
  "uint8",
  "binary",
  "ubinary",
] as const;
export type OutputDtype = (typeof OUTPUT_DTYPES)[number];

/** True for the dtypes that pack 8 dimensions per byte (`dimensions` must be a multiple of 8). */
export function isPackedBits(dtype: OutputDtype): boolean {
  return dtype === "binary" || dtype === "ubinary";
}

/** Rounds to the nearest integer, ties away from zero (so the scheme is symmetric in sign). */
function roundHalfAwayFromZero(v: number): number {
  return Math.sign(v) * Math.round(Math.abs(v));
}

/** int8 quantisation of one vector with its own max-abs scale (module header); values -127..127. */
export function quantizeInt8(vector: Float32Array): Int8Array {
  let scale = 0;
  for (const x of vector) scale = Math.max(scale, Math.abs(x));
  const out = new Int8Array(vector.length);
  if (scale === 0) return out;
  for (let i = 0; i < vector.length; i++)
    out[i] = roundHalfAwayFromZero((vector[i]! * 127) / scale);
  return out;
}

/** uint8 = int8 + 128 (values 1..255). */
export function quantizeUint8(vector: Float32Array): Uint8Array {
  const signed = quantizeInt8(vector);
  const out = new Uint8Array(signed.length);
  for (let i = 0; i < signed.length; i++) out[i] = signed[i]! + 128;
  return out;
}

/** Sign bits (1 where x > 0) packed 8 per byte, most significant bit first; length must be a multiple of 8. */
export function packSignBits(vector: Float32Array): Uint8Array {
  if (vector.length % 8 !== 0)
    throw new RangeError(
      `packed bits need a multiple of 8 dimensions, got ${vector.length}`,
    );
  const out = new Uint8Array(vector.length / 8);
  for (let i = 0; i < vector.length; i++)
    if (vector[i]! > 0) out[i >> 3]! |= 0x80 >> (i & 7);
  return out;
}

/** Offset binary: each packed byte minus 128, as int8. */
export function packSignBitsOffset(vector: Float32Array): Int8Array {
  const packed = packSignBits(vector);
  const out = new Int8Array(packed.length);
  for (let i = 0; i < packed.length; i++) out[i] = packed[i]! - 128;
  return out;
}

/** The vector in `dtype`: a Float32Array for `float`, else its integer array. */
export function toOutputDtype(
  vector: Float32Array,
  dtype: OutputDtype,
): Float32Array | Int8Array | Uint8Array {
  switch (dtype) {
    case "float":
      return vector;
    case "int8":
      return quantizeInt8(vector);
    case "uint8":
      return quantizeUint8(vector);
    case "binary":
      return packSignBitsOffset(vector);
    case "ubinary":
      return packSignBits(vector);
  }
}

/**
 * One `embedding` value of the response: a JSON number array (`encoding_format: float`)
 * or base64 of the raw bytes (little-endian float32 for `float`, one byte per value
 * otherwise, int8 as two's complement).
 */
export function encodeEmbedding(
  vector: Float32Array,
  dtype: OutputDtype,
  format: "float" | "base64",
): number[] | string {
  const typed = toOutputDtype(vector, dtype);
  if (format === "float") return Array.from(typed);
  if (typed instanceof Float32Array) return encodeFloat32Base64(typed);
  return bytesToBase64(
    new Uint8Array(typed.buffer, typed.byteOffset, typed.byteLength),
  );
}
