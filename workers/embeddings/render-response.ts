/**
 * OpenAI's embeddings response, items in input order. Floats are written as the exact
 * decimal of each float32 value, so `float` and `base64` carry bit-identical vectors.
 */
import { PUBLIC_MODEL_ID } from "../env";
import { encodeFloat32Base64 } from "./float32-base64";

export type EncodingFormat = "float" | "base64";

export function renderEmbeddingsBody(vectors: readonly Float32Array[], format: EncodingFormat, promptTokens: number): string {
  const data = vectors.map((vector, index) => ({
    object: "embedding",
    index,
    embedding: format === "base64" ? encodeFloat32Base64(vector) : Array.from(vector),
  }));
  return JSON.stringify({
    object: "list",
    data,
    model: PUBLIC_MODEL_ID,
    usage: { prompt_tokens: promptTokens, total_tokens: promptTokens },
  });
}
