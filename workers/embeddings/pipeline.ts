/**
 * The `/v1/embeddings` flow, top to bottom: validated request -> model inputs
 * (deduplicated, instruction applied) -> cache keys -> tiered cache lookup -> exact
 * token admission (hits bring their counts) -> rate limits and quotas on the exact
 * count -> GPU for the misses, each computed once
 * per isolate -> write-back in the background -> vectors in input order at the
 * requested dimensions. Each step lives in its own module; this file only orders them.
 *
 * A miss is answered with the vector exactly as the cache will store it (float16
 * rounding applied), so a first response and every later hit are bit-identical.
 */
import { ApiError } from "../errors/api-error";
import { GpuInputRejected } from "../gpu/pool-errors";
import type { GpuItem } from "../gpu/gpu-item";
import {
  EMBEDDING_DIMENSIONS,
  PUBLIC_MODEL_ID,
  UPSTREAM_MODEL_ID,
} from "../model";
import {
  roundTripThroughRecord,
  type CacheDtype,
  type CacheRecord,
} from "../cache/record";
import type { VectorCache } from "../cache/vector-cache";
import { mapInChunks } from "../cpu/map-in-chunks";
import type { SingleFlight } from "../cache/single-flight";
import { prepareInputs } from "./prepare-inputs";
import { resolveTruncation } from "./truncate-input";
import { countAndAdmitTokens } from "./token-budget";
import { truncateAndRenormalize } from "../vectors/truncate-renormalize";
import type { EmbeddingRequest } from "./request-schema";

export interface EmbeddingsDeps {
  cache: VectorCache;
  recordDtype: CacheDtype;
  /** The GPU workers' context length in tokens (`EdgeConfig.contextLength`); inputs must stay below it. */
  contextLength: number;
  /** The isolate's in-flight computations, so identical misses are computed once. */
  singleFlight: SingleFlight;
  embedOnGpu(
    items: GpuItem[],
  ): Promise<{ vectors: Float32Array[]; gpuMs: number }>;
  /** Rate limits and quotas, on the request's exact token count, before any GPU work. */
  admit(usage: { tokens: number; inputs: number }): Promise<void>;
  /** Wraps a step so its duration lands in `server-timing`. */
  timed<T>(metric: string, step: () => Promise<T>): Promise<T>;
}

export interface EmbeddingsResult {
  vectors: Float32Array[];
  promptTokens: number;
  /** Request inputs served from the cache, and computed (or joined in flight). */
  hits: number;
  misses: number;
  /** Tokens this request computed on the GPU (each unique miss once); the rest of
   * `promptTokens` came from the cache, from duplicates or from a computation in flight. */
  tokensComputed: number;
  gpuMs: number;
  /** Request indices of the inputs that `truncate` cut, ascending; empty when none was. */
  truncated: number[];
}

/** Vectors reshaped per slice of a large batch before the isolate's other requests get a turn
 * (about 10 µs each at 2,560 dims; workers/cpu/map-in-chunks.ts). */
const VECTORS_PER_SLICE = 128;

const ACCEPTED_MODELS = new Set([PUBLIC_MODEL_ID, UPSTREAM_MODEL_ID]);

export function assertKnownModel(model: string): void {
  if (!ACCEPTED_MODELS.has(model)) {
    throw new ApiError(
      "not_found",
      `The model '${model.slice(0, 200)}' does not exist or you do not have access to it.`,
      {
        param: "model",
        code: "model_not_found",
      },
    );
  }
}

export async function createEmbeddings(
  request: EmbeddingRequest,
  deps: EmbeddingsDeps,
): Promise<EmbeddingsResult> {
  assertKnownModel(request.model);
  const truncation = resolveTruncation(request, deps.contextLength);
  const { unique, slotOf, truncated } = await deps.timed("prepare", () =>
    prepareInputs(request, truncation),
  );
  const keys = await deps.cache.keysFor(unique.map((u) => u.cacheInput));
  const { records: cached } = await deps.cache.lookup(keys);

  const tokens = await deps.timed("tokenize", () =>
    countAndAdmitTokens(
      unique,
      slotOf,
      deps.contextLength,
      cached.map((r) => r?.tokens),
    ),
  );
  const promptTokens = slotOf.reduce((sum, slot) => sum + tokens[slot]!, 0);
  await deps.admit({ tokens: promptTokens, inputs: slotOf.length });

  const missing = unique.flatMap((_, slot) => (cached[slot] ? [] : [slot]));
  const records: CacheRecord[] = cached.map((r) => r!);
  let tokensComputed = 0;
  let gpuMs = 0;
  if (missing.length > 0) {
    const { records: computed, computed: mine } = await nameFailingInput(
      keys,
      slotOf,
      () =>
        deps.timed("gpu", () =>
          deps.singleFlight.computeOnce(
            missing.map((slot) => keys[slot]!),
            async (positions) => {
              const slots = positions.map((p) => missing[p]!);
              const { vectors, gpuMs: ms } = await deps
                .embedOnGpu(
                  slots.map((slot) => ({
                    input: unique[slot]!.model,
                    tokens: tokens[slot]!,
                  })),
                )
                .catch((error: unknown) => {
                  if (error instanceof GpuInputRejected)
                    error.cacheKey = keys[slots[error.itemIndex]!];
                  throw error;
                });
              gpuMs += ms;
              return mapInChunks(vectors, (vector, j) => ({
                vector: roundTripThroughRecord(vector, deps.recordDtype),
                tokens: tokens[slots[j]!]!,
              }));
            },
          ),
        ),
    );
    missing.forEach((slot, p) => (records[slot] = computed[p]!));
    tokensComputed = mine.reduce((sum, p) => sum + tokens[missing[p]!]!, 0);
    deps.cache.store(
      mine.map((p) => ({ key: keys[missing[p]!]!, record: computed[p]! })),
    );
  }

  const dims = request.dimensions ?? EMBEDDING_DIMENSIONS;
  // L1 keeps each vector as served at full dimensions (`unit`): the same function's output, computed once.
  const shaped = await mapInChunks(
    records,
    (r) =>
      dims === EMBEDDING_DIMENSIONS && r.unit !== undefined
        ? r.unit
        : truncateAndRenormalize(r.vector, dims),
    VECTORS_PER_SLICE,
  );
  const wasHit = cached.map((r) => r !== undefined);
  const hits = slotOf.filter((slot) => wasHit[slot]).length;
  return {
    vectors: slotOf.map((slot) => shaped[slot]!),
    promptTokens,
    hits,
    misses: slotOf.length - hits,
    tokensComputed,
    gpuMs,
    truncated,
  };
}

/**
 * Runs the GPU step so that an input the model refused is named by its first position in
 * the client's request (`input[i]`), not by its place among the deduplicated misses. A
 * request that only joined another request's in-flight computation, whose failing input
 * is not one of its own, computes its misses again, once.
 */
async function nameFailingInput<T>(
  keys: readonly string[],
  slotOf: readonly number[],
  run: () => Promise<T>,
): Promise<T> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await run();
    } catch (error) {
      if (!(error instanceof GpuInputRejected)) throw error;
      const slot = keys.indexOf(error.cacheKey ?? "");
      if (slot >= 0) throw error.forRequestIndex(slotOf.indexOf(slot));
      if (attempt > 0) throw error;
    }
  }
}
