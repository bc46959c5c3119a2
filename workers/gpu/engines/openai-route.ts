/**
 * The body and answer of an OpenAI-style `POST /v1/embeddings`, which SGLang, vLLM, TEI
 * and llama.cpp all serve: `{model, input, encoding_format}` in, `{data:[{embedding,
 * index}], usage}` out. The adapters differ in what they put in `input` and in what they
 * honour, which their own files say.
 */
import type { GpuInput } from "../gpu-item";
import { decodeEmbeddingResponse, type DecodeResult } from "../vector-decode";

export const OPENAI_EMBEDDINGS_PATH = "/v1/embeddings";

/**
 * `encoding_format: "base64"` halves the body and is exact (little-endian float32); an
 * engine that ignores it answers float arrays, which the decoder accepts too. No
 * `dimensions`: the edge always takes all 2560 and truncates itself (ARCHITECTURE §4).
 */
export function openAiBody(
  model: string,
  inputs: readonly GpuInput[],
): Record<string, unknown> {
  return { model, input: inputs, encoding_format: "base64" };
}

export function decodeOpenAiBody(
  bodyText: string,
  expectedCount: number,
): DecodeResult {
  return decodeEmbeddingResponse(bodyText, expectedCount);
}

/** Texts and token ids pass through unchanged (the engine's text path appends end-of-text). */
export function asSent(inputs: readonly GpuInput[]): Promise<GpuInput[]> {
  return Promise.resolve([...inputs]);
}
