import { describe, expect, it } from "vitest";
import {
  float16BitsToFloat32Bits,
  float32BitsToFloat16Bits,
  roundToFloat16,
} from "../../../workers/cache/float16";

// Independent oracle: the value of a half bit pattern straight from the IEEE-754
// definition, in float64 arithmetic (exact for every half).
function halfValue(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exponent = (h >> 10) & 0x1f;
  const mantissa = h & 0x3ff;
  if (exponent === 0x1f) return mantissa === 0 ? sign * Infinity : NaN;
  if (exponent === 0) return sign * mantissa * 2 ** -24;
  return sign * (1 + mantissa / 1024) * 2 ** (exponent - 15);
}

// Independent oracle for float -> half: compare against the exact midpoints of
// neighbouring halves (positive halves are ordered by bit pattern), ties to even.
function nearestHalf(x: number): number {
  if (Number.isNaN(x)) throw new Error("oracle is for non-NaN values");
  const sign = x < 0 || Object.is(x, -0) ? 0x8000 : 0;
  const a = Math.abs(x);
  if (a >= 65520) return sign | 0x7c00; // 65504 + half its ulp ties to even: Inf
  let lo = 0;
  let hi = 0x7bff;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (halfValue(mid) <= a) lo = mid;
    else hi = mid - 1;
  }
  if (lo === 0x7bff) return sign | lo;
  const midpoint = (halfValue(lo) + halfValue(lo + 1)) / 2;
  if (a < midpoint) return sign | lo;
  if (a > midpoint) return sign | (lo + 1);
  return sign | (lo % 2 === 0 ? lo : lo + 1);
}

const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);
const bitsOf = (x: number) => ((f32[0] = x), u32[0]!);
const floatOf = (bits: number) => ((u32[0] = bits), f32[0]!);
/** The production conversions on plain numbers: nearest half to `x` as a float32, and a half's value. */
const toFloat16Bits = (x: number) => float32BitsToFloat16Bits(bitsOf(x));
const fromFloat16Bits = (h: number) => floatOf(float16BitsToFloat32Bits(h));

describe("half -> float -> half", () => {
  it("round-trips all 65536 half bit patterns exactly, NaN payloads and -0 included", () => {
    let mismatches = 0;
    for (let h = 0; h < 65536; h++) {
      if (float32BitsToFloat16Bits(float16BitsToFloat32Bits(h)) !== h)
        mismatches++;
    }
    expect(mismatches).toBe(0);
  });

  it("decodes every half to its exact IEEE-754 value", () => {
    const wrong: number[] = [];
    for (let h = 0; h < 65536; h++) {
      const expected = halfValue(h);
      const ok = Number.isNaN(expected)
        ? Number.isNaN(fromFloat16Bits(h))
        : Object.is(fromFloat16Bits(h), expected);
      if (!ok) wrong.push(h);
    }
    expect(wrong).toEqual([]);
  });

  it("keeps NaN sign and payload bits in the float32 it produces", () => {
    expect(float16BitsToFloat32Bits(0x7e00)).toBe(0x7fc00000);
    expect(float16BitsToFloat32Bits(0xfc01)).toBe(0xff802000);
    expect(float16BitsToFloat32Bits(0x0001)).toBe(0x33800000); // 2^-24
    expect(float16BitsToFloat32Bits(0x03ff)).toBe(0x387fc000); // largest subnormal
    expect(float16BitsToFloat32Bits(0x8000)).toBe(0x80000000);
  });
});

describe("float -> half, round to nearest even", () => {
  it.each([
    [1, 0x3c00],
    [-2, 0xc000],
    [0.5, 0x3800],
    [0, 0x0000],
    [-0, 0x8000],
    [Infinity, 0x7c00],
    [-Infinity, 0xfc00],
    [65504, 0x7bff], // largest finite half
    [65519, 0x7bff], // below the midpoint to Inf
    [65520, 0x7c00], // tie between 65504 (odd mantissa) and Inf: to Inf
    [-65520, 0xfc00],
    [1e6, 0x7c00],
    [2 ** -14, 0x0400], // smallest normal
    [2 ** -24, 0x0001], // smallest subnormal
    [2 ** -25, 0x0000], // tie between 0 and 2^-24: to even 0
    [-(2 ** -25), 0x8000],
    [3 * 2 ** -25, 0x0002], // tie between 1 and 2 ulps: to 2
    [1022.5 * 2 ** -24, 0x03fe], // subnormal tie, even below
    [1023.5 * 2 ** -24, 0x0400], // tie between largest subnormal and smallest normal
    [1e-8, 0x0000],
    [1e-40, 0x0000], // float32 subnormal
    [-1e-40, 0x8000],
    [1 + 2 ** -11, 0x3c00], // tie: to even 1.0
    [1 + 3 * 2 ** -11, 0x3c02], // tie: to even 1 + 2^-9
    [1 + 2 ** -11 + 2 ** -23, 0x3c01], // just above the tie
    [2049, 0x6800], // tie between 2048 and 2050: to 2048
    [2051, 0x6802], // tie between 2050 and 2052: to 2052
    [1 / 3, 0x3555],
    [0.1, 0x2e66],
    [-0.6, 0xb8cd],
  ])("%s -> %i", (value, half) => {
    expect(toFloat16Bits(value)).toBe(half);
  });

  it("just above half the smallest subnormal rounds up", () => {
    expect(float32BitsToFloat16Bits(bitsOf(2 ** -25) + 1)).toBe(0x0001);
    expect(float32BitsToFloat16Bits(bitsOf(2 ** -25) - 1)).toBe(0x0000);
  });

  it("turns every float32 NaN into a half NaN with the same sign, never into Inf", () => {
    expect(float32BitsToFloat16Bits(0x7fc00000)).toBe(0x7e00);
    expect(float32BitsToFloat16Bits(0xffc00000)).toBe(0xfe00);
    expect(float32BitsToFloat16Bits(0x7f800001)).toBe(0x7e00); // payload only in dropped bits
    expect(float32BitsToFloat16Bits(0x7fbfe000)).toBe(0x7dff); // top payload bits kept
  });

  it("agrees with the oracle at every midpoint between halves and one float32 ulp either side", () => {
    const wrong: string[] = [];
    for (let h = 0; h < 0x7bff; h++) {
      const midpoint = (halfValue(h) + halfValue(h + 1)) / 2;
      const bits = bitsOf(midpoint);
      expect(floatOf(bits)).toBe(midpoint); // exactly representable in float32
      for (const b of [bits - 1, bits, bits + 1]) {
        for (const signBit of [0, 0x80000000]) {
          const x = floatOf((b | signBit) >>> 0);
          const got = float32BitsToFloat16Bits((b | signBit) >>> 0);
          if (got !== nearestHalf(x))
            wrong.push(`${x}: ${got} vs ${nearestHalf(x)}`);
        }
      }
    }
    expect(wrong).toEqual([]);
  });

  it("agrees with the oracle on 200,000 random float32 bit patterns", () => {
    let seed = 0x9e3779b9;
    const wrong: string[] = [];
    for (let i = 0; i < 200_000; i++) {
      seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0;
      // Bias half of them into the half's exponent range, where the work is.
      const bits =
        i % 2 === 0
          ? seed
          : ((seed & 0x807fffff) | ((100 + (seed % 45)) << 23)) >>> 0;
      const x = floatOf(bits);
      if (Number.isNaN(x)) continue;
      const got = float32BitsToFloat16Bits(bits);
      if (got !== nearestHalf(x))
        wrong.push(`${bits.toString(16)}: ${got} vs ${nearestHalf(x)}`);
    }
    expect(wrong).toEqual([]);
  });
});

describe("roundToFloat16", () => {
  it("reads a Float32Array view at a non-zero offset, only its elements", () => {
    const backing = new Float32Array([9, 1.0004, -0.5, 65520, 9]);
    expect([...roundToFloat16(backing.subarray(1, 4))]).toEqual([
      1,
      -0.5,
      Infinity,
    ]);
  });

  it("gives each element the value of its nearest half (the oracle's), and is idempotent", () => {
    const v = Float32Array.from(
      { length: 2560 },
      (_, i) => Math.sin(i * 1.7) / 37,
    );
    const rounded = roundToFloat16(v);
    const expected = Float32Array.from(v, (x) => halfValue(nearestHalf(x)));
    expect(new Uint32Array(rounded.buffer)).toEqual(
      new Uint32Array(expected.buffer),
    );
    expect(new Uint32Array(roundToFloat16(rounded).buffer)).toEqual(
      new Uint32Array(rounded.buffer),
    );
    expect(rounded[1]).not.toBe(v[1]); // rounding really happened
  });
});
