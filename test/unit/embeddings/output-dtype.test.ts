/**
 * The `output_dtype` quantizers on edge values (±1, 0, -0, ties), with expected values
 * written out by hand from the documented scheme: int8 = round((x * 127) / max|x|), ties
 * away from zero; uint8 = int8 + 128; sign bits (x > 0) packed MSB first; binary = byte - 128.
 */
import { describe, expect, it } from "vitest";
import {
  encodeEmbedding,
  packSignBits,
  packSignBitsOffset,
  quantizeInt8,
  quantizeUint8,
} from "../../../workers/embeddings/output-dtype";
import { renderEmbeddingsBody } from "../../../workers/embeddings/render-response";

const f32 = (values: number[]) => Float32Array.from(values);

describe("int8 and uint8", () => {
  it("maps ±max to ±127, 0 and -0 to 0, and rounds ties away from zero", () => {
    // max |x| = 1: 0.5 * 127 = 63.5 (a tie) -> 64, -63.5 -> -64; 0.25 * 127 = 31.75 -> 32.
    expect([
      ...quantizeInt8(f32([1, -1, 0, -0, 0.5, -0.5, 0.25, -0.25])),
    ]).toEqual([127, -127, 0, 0, 64, -64, 32, -32]);
    expect([
      ...quantizeUint8(f32([1, -1, 0, -0, 0.5, -0.5, 0.25, -0.25])),
    ]).toEqual([255, 1, 128, 128, 192, 64, 160, 96]);
  });

  it("scales by the vector's own largest magnitude", () => {
    // max |x| = 2: 1 -> 63.5 -> 64; -0.125 -> -7.9375 -> -8; 0.0625 -> 3.96875 -> 4.
    expect([...quantizeInt8(f32([-2, 1, -0.125, 0.0625]))]).toEqual([
      -127, 64, -8, 4,
    ]);
    // A small vector is spread over the whole range: 0.03 is its max.
    expect([...quantizeInt8(f32([0.03, -0.015, 0]))]).toEqual([127, -64, 0]);
  });

  it("gives zeros for a zero vector (no division by zero)", () => {
    expect([...quantizeInt8(f32([0, -0, 0]))]).toEqual([0, 0, 0]);
    expect([...quantizeUint8(f32([0, 0]))]).toEqual([128, 128]);
  });
});

describe("binary and ubinary", () => {
  it("packs the sign bits (x > 0) 8 per byte, first dimension in the most significant bit", () => {
    // bits 1 0 0 1 0 1 0 1 = 0x95 = 149; then 0 0 0 0 0 0 0 1 = 1.
    const v = f32([
      1, -1, 0, 0.5, -0.5, 1e-30, -0, 1, -1, -1, -1, -1, -1, -1, -1, 0.001,
    ]);
    expect([...packSignBits(v)]).toEqual([149, 1]);
    expect([...packSignBitsOffset(v)]).toEqual([21, -127]);
    expect([...packSignBits(f32(Array(8).fill(1)))]).toEqual([255]);
    expect([...packSignBitsOffset(f32(Array(8).fill(1)))]).toEqual([127]);
    expect([...packSignBitsOffset(f32(Array(8).fill(-1)))]).toEqual([-128]);
  });

  it("refuses a length that is not a multiple of 8", () => {
    expect(() => packSignBits(f32([1, 2, 3]))).toThrow(RangeError);
  });
});

describe("encodeEmbedding", () => {
  it("writes integer arrays as JSON numbers and their raw bytes as base64 (two's complement for int8)", () => {
    const v = f32([-0.5, 1, -1, 0, 0.25, 0.5, -0.25, 0.75]);
    expect(encodeEmbedding(v, "int8", "float")).toEqual([
      -64, 127, -127, 0, 32, 64, -32, 95,
    ]);
    // -64 = 0xC0, 127 = 0x7F, -127 = 0x81, 0, 32 = 0x20, 64 = 0x40, -32 = 0xE0, 95 = 0x5F
    expect(encodeEmbedding(v, "int8", "base64")).toBe(
      Buffer.from([0xc0, 0x7f, 0x81, 0x00, 0x20, 0x40, 0xe0, 0x5f]).toString(
        "base64",
      ),
    );
    expect(encodeEmbedding(v, "uint8", "base64")).toBe(
      Buffer.from([64, 255, 1, 128, 160, 192, 96, 223]).toString("base64"),
    );
    // bits 0 1 0 0 1 1 0 1 = 0x4D = 77; binary 77 - 128 = -51 = 0xCD
    expect(encodeEmbedding(v, "ubinary", "float")).toEqual([77]);
    expect(encodeEmbedding(v, "binary", "float")).toEqual([-51]);
    expect(encodeEmbedding(v, "binary", "base64")).toBe(
      Buffer.from([0xcd]).toString("base64"),
    );
    expect(encodeEmbedding(v, "ubinary", "base64")).toBe(
      Buffer.from([0x4d]).toString("base64"),
    );
  });

  it("renders a whole body with integer embeddings", async () => {
    expect(
      await renderEmbeddingsBody([f32([0.5, -1])], "float", 2, "int8"),
    ).toBe(
      '{"object":"list","data":[{"object":"embedding","index":0,"embedding":[64,-127]}],"model":"Qwen3-Embedding-4B","usage":{"prompt_tokens":2,"total_tokens":2}}',
    );
  });
});
