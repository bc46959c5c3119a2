import { describe, expect, it } from "vitest";
import {
  DECODED_RECORD_OVERHEAD_BYTES,
  decodedRecordBytes,
  decodeRecord,
  encodeRecord,
  recordBytes,
  recordFromBase64,
  recordToBase64,
  roundTripThroughRecord,
} from "../../../workers/cache/record";

/** A deterministic unit vector (float32), like the model's output. */
function unitVector(dims: number, seed: number): Float32Array {
  const v = Float32Array.from({ length: dims }, (_, i) =>
    Math.sin(i * 12.9898 + seed * 78.233),
  );
  let sum = 0;
  for (const x of v) sum += x * x;
  const scale = 1 / Math.sqrt(sum);
  return v.map((x) => x * scale);
}

const bitsOf = (v: Float32Array) => [
  ...new Uint32Array(v.buffer, v.byteOffset, v.length),
];

// 0.6 and 0.8: unit norm. float32 bits 0x3f19999a, 0x3f4ccccd; nearest halves 0x38cd, 0x3a66.
const SMALL = new Float32Array([0.6, 0.8]);
/** Exact values of halves 0x38cd = (1 + 205/1024) / 2 and 0x3a66 = (1 + 614/1024) / 2. */
const SMALL_AS_HALVES = new Float32Array([0.60009765625, 0.7998046875]);

describe("record sizes", () => {
  it("is 8 header bytes plus 2 or 4 bytes per dimension", () => {
    expect(recordBytes(2560, "float16")).toBe(5128);
    expect(recordBytes(2560, "float32")).toBe(10248);
    expect(
      encodeRecord({ vector: unitVector(2560, 1), tokens: 5 }, "float16")
        .length,
    ).toBe(5128);
    expect(
      encodeRecord({ vector: unitVector(2560, 1), tokens: 5 }, "float32")
        .length,
    ).toBe(10248);
  });

  it("charges L1 for the decoded float32 vector plus a fixed overhead", () => {
    const record = { vector: new Float32Array(2560), tokens: 1 };
    expect(decodedRecordBytes(record)).toBe(
      10240 + DECODED_RECORD_OVERHEAD_BYTES,
    );
  });
});

describe("encodeRecord", () => {
  it("writes the exact little-endian float32 layout", () => {
    const bytes = encodeRecord({ vector: SMALL, tokens: 7 }, "float32");
    expect([...bytes]).toEqual([
      1, 2, 2, 0, 7, 0, 0, 0, 0x9a, 0x99, 0x19, 0x3f, 0xcd, 0xcc, 0x4c, 0x3f,
    ]);
  });

  it("writes the exact little-endian float16 layout, token count as uint32", () => {
    const bytes = encodeRecord(
      { vector: SMALL, tokens: 0x01020304 },
      "float16",
    );
    expect([...bytes]).toEqual([
      1, 1, 2, 0, 4, 3, 2, 1, 0xcd, 0x38, 0x66, 0x3a,
    ]);
  });

  it("reads only the elements of a subarray view", () => {
    const backing = new Float32Array([5, 0.6, 0.8, 5]);
    const bytes = encodeRecord(
      { vector: backing.subarray(1, 3), tokens: 7 },
      "float32",
    );
    expect(bytes).toEqual(
      encodeRecord({ vector: SMALL, tokens: 7 }, "float32"),
    );
  });

  it("rejects what the layout cannot hold", () => {
    const vector = SMALL;
    expect(() => encodeRecord({ vector, tokens: -1 }, "float16")).toThrow(
      RangeError,
    );
    expect(() => encodeRecord({ vector, tokens: 1.5 }, "float16")).toThrow(
      RangeError,
    );
    expect(() => encodeRecord({ vector, tokens: 2 ** 32 }, "float16")).toThrow(
      RangeError,
    );
    expect(() =>
      encodeRecord({ vector: new Float32Array(65536), tokens: 1 }, "float16"),
    ).toThrow(RangeError);
    expect(
      decodeRecord(encodeRecord({ vector, tokens: 2 ** 32 - 1 }, "float32"))
        ?.tokens,
    ).toBe(2 ** 32 - 1);
  });
});

describe("decodeRecord", () => {
  it("decodes the exact float16 values and the token count", () => {
    const decoded = decodeRecord(
      new Uint8Array([1, 1, 2, 0, 4, 3, 2, 1, 0xcd, 0x38, 0x66, 0x3a]),
    );
    expect(decoded).toEqual({
      vector: SMALL_AS_HALVES,
      tokens: 0x01020304,
      dtype: "float16",
    });
  });

  it("returns float32 vectors bit-identical to what was stored", () => {
    const v = unitVector(2560, 2);
    v[3] = -0;
    const decoded = decodeRecord(
      encodeRecord({ vector: v, tokens: 42 }, "float32"),
    )!;
    expect(decoded.dtype).toBe("float32");
    expect(decoded.tokens).toBe(42);
    expect(bitsOf(decoded.vector)).toEqual(bitsOf(v));
  });

  it("reads a record at an odd offset inside a larger buffer", () => {
    const record = encodeRecord(
      { vector: unitVector(2560, 3), tokens: 9 },
      "float16",
    );
    const backing = new Uint8Array(record.length + 3);
    backing.set(record, 1);
    const decoded = decodeRecord(backing.subarray(1, 1 + record.length))!;
    expect(bitsOf(decoded.vector)).toEqual(
      bitsOf(decodeRecord(record)!.vector),
    );
  });

  it("treats unknown versions and dtypes and wrong lengths as a miss", () => {
    const good = encodeRecord({ vector: SMALL, tokens: 7 }, "float16");
    const withByte = (index: number, value: number) => {
      const copy = good.slice();
      copy[index] = value;
      return copy;
    };
    expect(decodeRecord(good)).not.toBeNull();
    expect(decodeRecord(withByte(0, 0))).toBeNull();
    expect(decodeRecord(withByte(0, 2))).toBeNull();
    expect(decodeRecord(withByte(1, 0))).toBeNull();
    expect(decodeRecord(withByte(1, 3))).toBeNull();
    expect(decodeRecord(withByte(2, 3))).toBeNull(); // dims says 3, bytes hold 2
    expect(decodeRecord(good.subarray(0, good.length - 1))).toBeNull();
    const longer = new Uint8Array(good.length + 1);
    longer.set(good);
    expect(decodeRecord(longer)).toBeNull();
    expect(decodeRecord(good.subarray(0, 7))).toBeNull();
    expect(decodeRecord(new Uint8Array(0))).toBeNull();
  });

  it("treats a float32 record with a dtype byte of float16 as a miss (length no longer matches)", () => {
    const f32 = encodeRecord({ vector: SMALL, tokens: 7 }, "float32");
    f32[1] = 1;
    expect(decodeRecord(f32)).toBeNull();
  });

  it("treats non-finite values and norms off by more than 0.01 as a miss", () => {
    const nan = SMALL.slice();
    nan[0] = NaN;
    expect(
      decodeRecord(encodeRecord({ vector: nan, tokens: 1 }, "float32")),
    ).toBeNull();
    // 0x7c00 is float16 +Inf in the first value's slot.
    const inf = encodeRecord({ vector: SMALL, tokens: 1 }, "float16");
    inf[8] = 0x00;
    inf[9] = 0x7c;
    expect(decodeRecord(inf)).toBeNull();
    const scaled = (s: number) =>
      encodeRecord({ vector: SMALL.map((x) => x * s), tokens: 1 }, "float32");
    expect(decodeRecord(scaled(0.985))).toBeNull();
    expect(decodeRecord(scaled(1.015))).toBeNull();
    expect(decodeRecord(scaled(0.995))).not.toBeNull();
    expect(decodeRecord(scaled(1.005))).not.toBeNull();
    expect(
      decodeRecord(
        encodeRecord({ vector: new Float32Array(2560), tokens: 1 }, "float16"),
      ),
    ).toBeNull();
    expect(
      decodeRecord(
        encodeRecord({ vector: new Float32Array(0), tokens: 1 }, "float16"),
      ),
    ).toBeNull();
  });
});

describe("base64 for Redis", () => {
  it("is standard padded base64 of the record bytes, and decodes back", () => {
    const bytes = encodeRecord({ vector: SMALL, tokens: 7 }, "float16");
    const text = recordToBase64(bytes);
    expect(text).toBe(Buffer.from(bytes).toString("base64"));
    expect(text).toBe("AQECAAcAAADNOGY6");
    expect(recordFromBase64(text)).toEqual({
      vector: SMALL_AS_HALVES,
      tokens: 7,
      dtype: "float16",
    });
  });

  it("reads malformed base64 or a bad record as a miss", () => {
    expect(recordFromBase64("AQECAAcAAADNOGY")).toBeNull();
    expect(recordFromBase64("AQECAAcAAADNOG*6")).toBeNull();
    expect(recordFromBase64("")).toBeNull();
    const version2 = Buffer.from([
      2, 1, 2, 0, 7, 0, 0, 0, 0xcd, 0x38, 0x66, 0x3a,
    ]);
    expect(recordFromBase64(version2.toString("base64"))).toBeNull();
  });
});

describe("roundTripThroughRecord", () => {
  it.each(["float16", "float32"] as const)(
    "gives bit-identical values to a later %s hit",
    (dtype) => {
      for (let seed = 0; seed < 20; seed++) {
        const v = unitVector(2560, seed);
        const miss = roundTripThroughRecord(v, dtype);
        const hit = recordFromBase64(
          recordToBase64(encodeRecord({ vector: v, tokens: 3 }, dtype)),
        )!;
        expect(bitsOf(miss)).toEqual(bitsOf(hit.vector));
      }
    },
  );

  it("rounds for float16 (and stays unit-norm within 0.001), copies for float32", () => {
    const v = unitVector(2560, 99);
    const f16 = roundTripThroughRecord(v, "float16");
    expect(bitsOf(f16)).not.toEqual(bitsOf(v));
    let sum = 0;
    for (const x of f16) sum += x * x;
    expect(Math.abs(Math.sqrt(sum) - 1)).toBeLessThan(0.001);
    const f32 = roundTripThroughRecord(v, "float32");
    expect(f32).not.toBe(v);
    expect(bitsOf(f32)).toEqual(bitsOf(v));
  });
});
