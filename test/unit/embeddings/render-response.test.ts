import { describe, expect, it } from "vitest";
import { renderEmbeddingsBody } from "../../../workers/embeddings/render-response";

/** n distinct vectors of `dims` values, exactly representable in float32. */
const vectors = (n: number, dims: number) =>
  Array.from({ length: n }, (_, i) =>
    Float32Array.from(
      { length: dims },
      (_, j) => ((i * 31 + j) % 17) / 16 - 0.5,
    ),
  );

/** Little-endian float32 bytes as base64, written here independently of the production codec. */
function base64OfFloats(v: Float32Array): string {
  const view = new DataView(new ArrayBuffer(v.length * 4));
  v.forEach((x, i) => view.setFloat32(i * 4, x, true));
  return Buffer.from(view.buffer).toString("base64");
}

function envelope(data: unknown[], tokens: number): string {
  return JSON.stringify({
    object: "list",
    data,
    model: "Qwen3-Embedding-4B",
    usage: { prompt_tokens: tokens, total_tokens: tokens },
  });
}

describe("renderEmbeddingsBody", () => {
  it("gives the bytes of one JSON.stringify of the envelope, in float, across many slices", async () => {
    const vs = vectors(40, 2560); // 8,192 values per slice at 2,560 dims: 3 vectors a slice, 14 slices
    const expected = envelope(
      vs.map((v, index) => ({ object: "embedding", index, embedding: [...v] })),
      123,
    );
    expect(await renderEmbeddingsBody(vs, "float", 123)).toBe(expected);
  });

  it("gives the same bytes in base64, and for one small vector, and for none", async () => {
    const vs = vectors(130, 2560); // 64 vectors a slice: 3 slices
    const expected = envelope(
      vs.map((v, index) => ({
        object: "embedding",
        index,
        embedding: base64OfFloats(v),
      })),
      7,
    );
    expect(await renderEmbeddingsBody(vs, "base64", 7)).toBe(expected);
    expect(
      await renderEmbeddingsBody([new Float32Array([0.5, -0.25])], "float", 2),
    ).toBe(
      '{"object":"list","data":[{"object":"embedding","index":0,"embedding":[0.5,-0.25]}],"model":"Qwen3-Embedding-4B","usage":{"prompt_tokens":2,"total_tokens":2}}',
    );
    expect(await renderEmbeddingsBody([], "float", 0)).toBe(
      '{"object":"list","data":[],"model":"Qwen3-Embedding-4B","usage":{"prompt_tokens":0,"total_tokens":0}}',
    );
  });
});
