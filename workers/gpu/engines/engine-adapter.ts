/**
 * What the GPU client needs to know about one inference engine to get correct Qwen3
 * vectors from it: which route to call, what body to send (token ids where the engine
 * would not append end-of-text itself, never `dimensions`, base64 where it is honoured)
 * and how to read its answer. One adapter per engine lives beside this file; statuses
 * and error bodies are mapped by the shared rules in retry.ts and upstream-call.ts, which
 * every adapter's header checks against its engine's source.
 */
import type { GpuInput } from "../gpu-item";
import type { DecodeResult } from "../vector-decode";

/**
 * Engines an endpoint can run. `tei` is Text Embeddings Inference's OpenAI route
 * (`/v1/embeddings`), `tei-embed` its native `/embed` route.
 */
export const ENGINE_NAMES = [
  "sglang",
  "vllm",
  "tei",
  "tei-embed",
  "llamacpp",
] as const;
export type EngineName = (typeof ENGINE_NAMES)[number];

/** Engine used when GPU_WORKER_ENGINES is unset and detection recognises nothing. */
export const DEFAULT_ENGINE: EngineName = "sglang";

/** Every engine named here serves readiness on this path: 200 when it can embed. */
export const HEALTH_PATH = "/health";

export interface EngineAdapter {
  readonly name: EngineName;
  /** Path of the embeddings route, appended to the endpoint's base URL. */
  readonly embedPath: string;
  /**
   * The inputs as this engine must get them. The pool's token-id inputs already end with
   * end-of-text (151643); texts are left to engines whose text path appends it and are
   * tokenised here for those that may not. Async because the tokenizer loads lazily.
   */
  wireInputs(inputs: readonly GpuInput[]): Promise<GpuInput[]>;
  /** The JSON body of one embeddings call; never asks for fewer than 2560 dimensions. */
  requestBody(
    model: string,
    inputs: readonly GpuInput[],
  ): Record<string, unknown>;
  /** Vectors from a 2xx body, checked (count, 2560 finite values, unit norm), or why not. */
  decode(bodyText: string, expectedCount: number): DecodeResult;
}
