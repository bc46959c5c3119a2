import { describe, expect, it } from "vitest";
import {
  base64ToBytes,
  bytesToBase64,
  decodeFloat32Base64,
  encodeFloat32Base64,
} from "../../../workers/codec/float32-base64";

describe("float32 base64 codec", () => {
  it("encodes little-endian float32 bytes exactly", () => {
    // 1.0 = 0x3f800000, -2.0 = 0xc0000000, 0.5 = 0x3f000000, stored little-endian.
    const b64 = encodeFloat32Base64(new Float32Array([1, -2, 0.5]));
    expect(b64).toBe("AACAPwAAAMAAAAA/");
    expect([...Buffer.from(b64, "base64")]).toEqual([
      0, 0, 0x80, 0x3f, 0, 0, 0, 0xc0, 0, 0, 0, 0x3f,
    ]);
  });

  it("matches Node's base64 for every length and random bytes", () => {
    let seed = 12345;
    const next = () => (seed = (seed * 1103515245 + 12345) >>> 0) & 255;
    for (let len = 0; len < 70; len++) {
      const bytes = Uint8Array.from({ length: len }, next);
      const expected = Buffer.from(bytes).toString("base64");
      expect(bytesToBase64(bytes)).toBe(expected);
      expect([...base64ToBytes(expected)!]).toEqual([...bytes]);
    }
  });

  it("round-trips a 2560-d vector bit for bit, NaN payloads and -0 included", () => {
    const v = new Float32Array(2560).map((_, i) => Math.sin(i) / 50);
    v[7] = -0;
    v[9] = Number.MIN_VALUE;
    const back = decodeFloat32Base64(encodeFloat32Base64(v))!;
    expect(new Uint8Array(back.buffer)).toEqual(new Uint8Array(v.buffer));
    expect(Object.is(back[7], -0)).toBe(true);
  });

  it("rejects malformed base64 and byte counts that are not whole floats", () => {
    expect(decodeFloat32Base64("AAA")).toBeNull();
    expect(decodeFloat32Base64("AA*A")).toBeNull();
    expect(decodeFloat32Base64("AAAAAAA=")).toBeNull(); // 5 bytes: not a whole number of floats
    expect(decodeFloat32Base64("AACAPw==")).toEqual(new Float32Array([1]));
  });
});
