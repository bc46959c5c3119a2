/**
 * OpenAI's embeddings response, items in input order. Floats are written as the exact
 * decimal of each float32 value, so `float` and `base64` carry bit-identical vectors.
 * With an integer `output_dtype` (output-dtype.ts) the items are integer arrays, or
 * base64 of their bytes.
 *
 * Each item is serialised on its own and the body is joined around them, which gives
 * the same bytes as one `JSON.stringify` of the whole envelope but lets a large batch
 * yield between slices of items: writing 2,048 x 2,560 floats as decimals takes seconds
 * of CPU, which would otherwise hold every other request in the isolate.
 */
import { mapInChunks } from "../cpu/map-in-chunks";
import { EMBEDDING_DIMENSIONS, PUBLIC_MODEL_ID } from "../model";
import { encodeEmbedding, type OutputDtype } from "./output-dtype";

export type EncodingFormat = "float" | "base64";

/**
 * Values serialised per slice before yielding (workers/cpu/map-in-chunks.ts). As decimals,
 * ~1 ms per 2,560-d vector (V8, measured on the 2-core development machine), so a slice
 * is 3 full vectors. As base64 (native in workerd, ~15 µs a vector) 64 full vectors a
 * slice, so a 64-input base64 request never yields.
 */
const FLOAT_VALUES_PER_SLICE = 8_192;
const BASE64_VALUES_PER_SLICE = 64 * EMBEDDING_DIMENSIONS;

/** The response body for `vectors` (already at the requested `dimensions`), converted to `dtype` (default `float`). */
export async function renderEmbeddingsBody(
  vectors: readonly Float32Array[],
  format: EncodingFormat,
  promptTokens: number,
  dtype: OutputDtype = "float",
): Promise<string> {
  const dims = Math.max(1, vectors[0]?.length ?? 1);
  const perSlice = Math.max(
    1,
    Math.floor(
      (format === "base64" ? BASE64_VALUES_PER_SLICE : FLOAT_VALUES_PER_SLICE) /
        dims,
    ),
  );
  const items = await mapInChunks(
    vectors,
    (vector, index) => {
      const embedding = encodeEmbedding(vector, dtype, format);
      // Base64 needs no JSON escaping, so its ~13.7 KB string is spliced in rather than
      // scanned and copied by JSON.stringify: the same bytes, less work per vector on an L1 hit.
      return typeof embedding === "string"
        ? `{"object":"embedding","index":${index},"embedding":"${embedding}"}`
        : JSON.stringify({ object: "embedding", index, embedding });
    },
    perSlice,
  );
  const tail = JSON.stringify({
    model: PUBLIC_MODEL_ID,
    usage: { prompt_tokens: promptTokens, total_tokens: promptTokens },
  });
  return `{"object":"list","data":[${items.join(",")}],${tail.slice(1)}`;
}
