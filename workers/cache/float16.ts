/**
 * IEEE-754 binary16 ("half") <-> binary32, bit-exact both ways.
 *
 * Cache records store vectors as float16 by default (half the bytes of float32 in Redis,
 * the Cache API and on the wire to them). A hit and a miss must return bit-identical
 * values, so the conversion has to be exact and deterministic on every runtime: float32 ->
 * half rounds to nearest, ties to even, with subnormals, signed zeros, overflow to
 * infinity and NaN (kept a NaN, payload preserved where it fits) handled. It works on the
 * integer bit patterns rather than relying on `Math.f16round` / `Float16Array`, which
 * Node 20 lacks and workerd may or may not have. Plain shifts and masks, no tables, so the
 * hot loops over a 2560-value vector stay allocation-free.
 */

/** float32 bit pattern (as an unsigned 32-bit integer) -> nearest binary16 bit pattern. */
export function float32BitsToFloat16Bits(bits: number): number {
  const sign = (bits >>> 16) & 0x8000;
  const exponent = (bits >>> 23) & 0xff;
  const mantissa = bits & 0x7fffff;

  if (exponent === 0xff) {
    // Inf stays Inf. A NaN keeps the top 10 payload bits; if those are all zero it
    // would read as Inf, so it gets the quiet bit instead and stays a NaN.
    if (mantissa === 0) return sign | 0x7c00;
    const payload = mantissa >>> 13;
    return sign | 0x7c00 | (payload === 0 ? 0x200 : payload);
  }

  // Exponent rebiased from 127 to 15.
  const halfExponent = exponent - 112;
  if (halfExponent >= 0x1f) return sign | 0x7c00; // beyond the largest finite half

  if (halfExponent <= 0) {
    // Half subnormal: value = m * 2^-24, so m = significand >> (14 - halfExponent).
    // Below halfExponent -10 the value is under half the smallest subnormal: zero.
    // (float32 subnormals, exponent 0, land here too and give a signed zero.)
    if (halfExponent < -10) return sign;
    const significand = mantissa | 0x800000;
    const shift = 14 - halfExponent; // 14..24
    return sign | roundShiftRightEven(significand, shift);
  }

  // Normal: drop 13 mantissa bits with ties-to-even. A carry out of the mantissa
  // correctly bumps the exponent, and out of exponent 30 gives exactly Inf (0x7c00).
  const truncated = (halfExponent << 10) | (mantissa >>> 13);
  const rest = mantissa & 0x1fff;
  const roundUp = rest > 0x1000 || (rest === 0x1000 && (truncated & 1) === 1);
  return sign | (truncated + (roundUp ? 1 : 0));
}

/** `value >> shift`, rounded to nearest with ties to even (shift in 1..31). */
function roundShiftRightEven(value: number, shift: number): number {
  const truncated = value >>> shift;
  const rest = value & ((1 << shift) - 1);
  const halfway = 1 << (shift - 1);
  const roundUp = rest > halfway || (rest === halfway && (truncated & 1) === 1);
  return truncated + (roundUp ? 1 : 0);
}

/** binary16 bit pattern -> the float32 bit pattern of the same value (always exact). */
export function float16BitsToFloat32Bits(half: number): number {
  const sign = (half & 0x8000) << 16;
  const exponent = (half >>> 10) & 0x1f;
  const mantissa = half & 0x3ff;

  if (exponent === 0x1f) return (sign | 0x7f800000 | (mantissa << 13)) >>> 0;
  if (exponent !== 0)
    return (sign | ((exponent + 112) << 23) | (mantissa << 13)) >>> 0;
  if (mantissa === 0) return sign >>> 0;

  // Half subnormal m * 2^-24 is a float32 normal: shift m's leading 1 (bit 0..9) up to
  // the implicit-bit position (bit 10); each place shifted lowers the exponent by one.
  const shift = Math.clz32(mantissa) - 21; // 1..10
  const normalized = (mantissa << shift) & 0x3ff;
  return (sign | ((113 - shift) << 23) | (normalized << 13)) >>> 0;
}

/** The float32 values a float16 store gives back: each element rounded to the nearest half. */
export function roundToFloat16(vector: Float32Array): Float32Array {
  const inBits = new Uint32Array(
    vector.buffer,
    vector.byteOffset,
    vector.length,
  );
  const out = new Float32Array(vector.length);
  const outBits = new Uint32Array(out.buffer);
  for (let i = 0; i < out.length; i++)
    outBits[i] = float16BitsToFloat32Bits(float32BitsToFloat16Bits(inBits[i]!));
  return out;
}
