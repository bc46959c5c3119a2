/**
 * The `/v1/embeddings` flow, top to bottom: validated request -> model inputs
 * (deduplicated, instruction applied) -> exact token admission -> GPU for the unique
 * inputs -> vectors in input order at the requested dimensions. Each step lives in its
 * own module; this file only orders them and records their timings.
 */
import { ApiError } from "../errors/api-error";
import type { GpuItem } from "../gpu/types";
import { PUBLIC_MODEL_ID, UPSTREAM_MODEL_ID } from "../env";
import { prepareInputs } from "./prepare-inputs";
import { countAndAdmitTokens } from "./token-budget";
import { truncateAndRenormalize } from "./truncate-renormalize";
import { FULL_DIMENSIONS, type EmbeddingRequest } from "./request-schema";

export interface EmbeddingsDeps {
  embedOnGpu(items: GpuItem[]): Promise<{ vectors: Float32Array[] }>;
  /** Wraps a step so its duration lands in `server-timing`. */
  timed<T>(metric: string, step: () => Promise<T>): Promise<T>;
}

export interface EmbeddingsResult {
  vectors: Float32Array[];
  promptTokens: number;
}

const ACCEPTED_MODELS = new Set([PUBLIC_MODEL_ID, UPSTREAM_MODEL_ID]);

export function assertKnownModel(model: string): void {
  if (!ACCEPTED_MODELS.has(model)) {
    throw new ApiError("not_found", `The model '${model.slice(0, 200)}' does not exist or you do not have access to it.`, {
      param: "model",
      code: "model_not_found",
    });
  }
}

export async function createEmbeddings(request: EmbeddingRequest, deps: EmbeddingsDeps): Promise<EmbeddingsResult> {
  assertKnownModel(request.model);
  const { unique, slotOf } = await deps.timed("prepare", () => prepareInputs(request));
  const tokens = await deps.timed("tokenize", () => countAndAdmitTokens(unique, slotOf));
  const { vectors } = await deps.timed("gpu", () =>
    deps.embedOnGpu(unique.map((u, i) => ({ input: u.model, tokens: tokens[i]! }))),
  );
  const dims = request.dimensions ?? FULL_DIMENSIONS;
  const shaped = vectors.map((v) => truncateAndRenormalize(v, dims));
  return {
    vectors: slotOf.map((slot) => shaped[slot]!),
    promptTokens: slotOf.reduce((sum, slot) => sum + tokens[slot]!, 0),
  };
}
