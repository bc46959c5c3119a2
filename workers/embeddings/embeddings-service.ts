/**
 * The embeddings service: the pipeline (pipeline.ts) bound to the isolate's long-lived
 * parts (cache stores, GPU pool, single-flight, admission, usage recorder), so a caller
 * passes only the validated request and what belongs to its request. It runs the
 * pipeline, then meters the request in the background (metering/usage-recorder.ts).
 * Built once per isolate by workers/services.ts.
 */
import { requestVectorCache, type CacheStores } from "../cache/vector-cache";
import type { SingleFlight } from "../cache/single-flight";
import type { GpuPool } from "../gpu/pool";
import type { Admission } from "../limits/admission";
import type { UsageRecorder } from "../metering/usage-recorder";
import { newUsageEvent } from "../metering/usage-event";
import type { Principal } from "../tenants/principal";
import { createEmbeddings, type EmbeddingsResult } from "./pipeline";
import type { EmbeddingRequest } from "./request-schema";

export interface EmbeddingsServiceDeps {
  cache: CacheStores;
  gpu: Pick<GpuPool, "embed">;
  singleFlight: SingleFlight;
  /** The GPU workers' context length in tokens (`EdgeConfig.contextLength`); inputs must stay below it. */
  contextLength: number;
  /** False (RATE_LIMITS=off): no rate limits or quotas; metering still runs. */
  rateLimits: boolean;
  admission: Pick<Admission, "admit">;
  usage: UsageRecorder;
  /** Epoch ms; when a fail-open admission happened (for settling its quota later). */
  now?: () => number;
}

/** What belongs to one request. */
export interface EmbedCall {
  principal: Principal;
  /** The request's `cache-control` header, if any. */
  cacheControl: string | undefined;
  requestId: string;
  /** Work that may finish after the response (`waitUntil`): cache write-back, metering. */
  background(work: Promise<unknown>): void;
  /** Wraps a step so its duration lands in `server-timing`. */
  timed<T>(metric: string, step: () => Promise<T>): Promise<T>;
  /** Receives the rate-limit headers once the request is admitted. */
  setHeader(name: string, value: string): void;
  /** Aborts the GPU work when the client goes away. */
  signal?: AbortSignal;
}

export interface EmbeddingsService {
  /** Vectors in input order; throws ApiError/AdmissionError for refusals and GPU failures. */
  embed(request: EmbeddingRequest, call: EmbedCall): Promise<EmbeddingsResult>;
}

export function createEmbeddingsService(
  deps: EmbeddingsServiceDeps,
): EmbeddingsService {
  const now = deps.now ?? Date.now;
  return {
    async embed(request, call) {
      const { principal } = call;
      let admittedWithoutLimiter: number | undefined;
      const result = await createEmbeddings(request, {
        cache: requestVectorCache(deps.cache, {
          tenantId: principal.tenantId,
          cacheControl: call.cacheControl,
          background: call.background,
          timed: call.timed,
          requestId: call.requestId,
        }),
        recordDtype: deps.cache.config.recordDtype,
        contextLength: deps.contextLength,
        singleFlight: deps.singleFlight,
        embedOnGpu: (items) => deps.gpu.embed(items, call.signal),
        admit: async (usage) => {
          if (!deps.rateLimits) return;
          const admitted = await deps.admission.admit(principal, usage, {
            background: call.background,
          });
          if (admitted.degraded) admittedWithoutLimiter = now();
          for (const [name, value] of Object.entries(admitted.headers))
            call.setHeader(name, value);
        },
        timed: call.timed,
      });
      const event = newUsageEvent({
        tenantId: principal.tenantId,
        inputs: result.vectors.length,
        tokensComputed: result.tokensComputed,
        tokensCached: result.promptTokens - result.tokensComputed,
        gpuMs: result.gpuMs,
        ...(request.user !== undefined ? { user: request.user } : {}),
        ...(admittedWithoutLimiter !== undefined
          ? { quotaPendingAt: admittedWithoutLimiter }
          : {}),
      });
      call.background(deps.usage.record(event));
      return result;
    },
  };
}
