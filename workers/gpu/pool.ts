/**
 * The GPU pool client the edge pipeline calls for cache misses: splits the items into
 * sub-batches (batching.ts), runs up to `maxConcurrentCalls` of them at once, each with
 * failover and retries (failover.ts), and puts the vectors back in input order.
 *
 * Web APIs only (fetch, AbortController, setTimeout): it runs inside workerd. Clock,
 * sleep, randomness and fetch are injectable so tests can assert exact delays.
 *
 * If one sub-batch fails for good, the request fails with that sub-batch's error and
 * the others are cancelled (an input the model refused is a GpuInputRejected naming its
 * position in `items`): a partial result is useless to the caller and every extra
 * call costs GPU time. If the caller's signal aborts, its reason is rethrown as is: the
 * caller cancelled and knows why, so it is not turned into a 503.
 */
import { planCalls } from "./batching";
import { createCircuitBreakers, type CircuitBreakers } from "./circuit-breaker";
import {
  createEngineResolver,
  type EngineResolver,
} from "./engines/detect-engine";
import { HEALTH_PATH } from "./engines/engine-adapter";
import { embedWithFailover, type FailoverContext } from "./failover";
import { GpuInputRejected } from "./pool-errors";
import type { GpuItem } from "./gpu-item";
import type { GpuPoolConfig } from "./pool-config";
import { endpointUrl, upstreamHeaders } from "./upstream-call";

/** `ready()` answers within this, so `/readyz` stays fast when endpoints hang. */
export const READY_TIMEOUT_MS = 2_000;

export interface GpuPoolDeps {
  fetch?: typeof fetch;
  sleep?: (ms: number) => Promise<void>;
  /** In [0, 1); drives backoff jitter. */
  random?: () => number;
  /** Epoch milliseconds; used for the deadline, Retry-After dates, breakers and gpuMs. */
  now?: () => number;
  /** Sent as `x-lane` so endpoints can tell e.g. a bulk lane from interactive traffic. */
  lane?: string;
  /** Endpoint breakers; pools that share endpoints may share them. Default: the pool's own, fresh. */
  breakers?: CircuitBreakers;
  /** Engines per endpoint; pools sharing endpoints may share it. Default: `config.engines`. */
  engines?: EngineResolver;
}

export interface GpuResult {
  /** One unit-length 2560-dim vector per item, in item order. */
  vectors: Float32Array[];
  /** Wall time of successful upstream calls, summed (metering). */
  gpuMs: number;
  /** HTTP calls made, failed ones included. */
  calls: number;
}

export interface GpuPool {
  embed(items: GpuItem[], signal?: AbortSignal): Promise<GpuResult>;
  /**
   * True if any endpoint's `GET /health` answers 200 within READY_TIMEOUT_MS. Every
   * supported engine serves readiness there (engines/engine-adapter.ts `HEALTH_PATH`):
   * SGLang and vLLM 200 with an empty body, TEI 200 or 503 `{error_type: "Unhealthy"}`,
   * llama.cpp 200 `{"status":"ok"}` or 503 while the model loads.
   */
  ready(): Promise<boolean>;
  /** This pool's endpoint breakers (per pool instance, never module state). */
  readonly breakers: CircuitBreakers;
}

export function createGpuPool(
  config: GpuPoolConfig,
  deps: GpuPoolDeps = {},
): GpuPool {
  assertValidConfig(config);
  const fetchImpl: typeof fetch =
    deps.fetch ?? globalThis.fetch.bind(globalThis);
  const sleep =
    deps.sleep ??
    ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  const random = deps.random ?? Math.random;
  const now = deps.now ?? Date.now;
  const breakers = deps.breakers ?? createCircuitBreakers();
  const engines = deps.engines ?? createEngineResolver(config.engines);

  async function embed(
    items: GpuItem[],
    signal?: AbortSignal,
  ): Promise<GpuResult> {
    signal?.throwIfAborted();
    const stats = { gpuMs: 0, calls: 0 };
    if (items.length === 0) return { vectors: [], ...stats };

    const plans = planCalls(items, config);
    const cancel = new AbortController();
    const onCallerAbort = (): void => cancel.abort(signal?.reason);
    signal?.addEventListener("abort", onCallerAbort, { once: true });
    const ctx: FailoverContext = {
      config,
      fetch: fetchImpl,
      sleep,
      random,
      now,
      lane: deps.lane,
      breakers,
      engines,
      deadline: now() + config.deadlineMs,
      signal: cancel.signal,
      stats,
    };

    const vectors: Float32Array[] = new Array<Float32Array>(items.length);
    let nextPlan = 0;
    async function worker(): Promise<void> {
      while (!cancel.signal.aborted) {
        const plan = plans[nextPlan++];
        if (plan === undefined) return;
        const inputs = plan.indices.map((i) => items[i]?.input ?? "");
        const out = await embedWithFailover(inputs, ctx).catch(
          (error: unknown) => {
            // The failing input's position in the sub-batch, as a position in `items`.
            throw error instanceof GpuInputRejected
              ? error.atItem(plan.indices[error.itemIndex]!)
              : error;
          },
        );
        plan.indices.forEach((itemIndex, k) => {
          const vector = out[k];
          if (vector !== undefined) vectors[itemIndex] = vector;
        });
      }
    }

    try {
      const workers = Math.min(config.maxConcurrentCalls, plans.length);
      await Promise.all(Array.from({ length: workers }, worker));
    } catch (error) {
      if (!cancel.signal.aborted) cancel.abort(error);
      throw error;
    } finally {
      signal?.removeEventListener("abort", onCallerAbort);
    }
    // A caller abort that landed while the last call was finishing still wins.
    signal?.throwIfAborted();
    return { vectors, ...stats };
  }

  async function ready(): Promise<boolean> {
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(), READY_TIMEOUT_MS);
    const probes = config.urls.map(async (url) => {
      const headers = upstreamHeaders(
        config.token,
        deps.lane,
        false,
        config.endpointHeaders?.[url],
      );
      const response = await fetchImpl(endpointUrl(url, HEALTH_PATH), {
        headers,
        signal: controller.signal,
      });
      await response.body?.cancel();
      if (response.status !== 200)
        throw new Error(`health status ${response.status}`);
    });
    try {
      await Promise.any(probes);
      return true;
    } catch {
      return false;
    } finally {
      clearTimeout(timer);
      // The first 200 is enough; stop waiting on the others.
      controller.abort();
    }
  }

  return { embed, ready, breakers };
}

/** A bad config is a deployment bug (env.ts should have caught it): fail loudly, without URLs. */
function assertValidConfig(config: GpuPoolConfig): void {
  const problems: string[] = [];
  if (config.urls.length === 0) problems.push("urls is empty");
  for (const [i, url] of config.urls.entries()) {
    if (!/^https?:\/\//.test(url))
      problems.push(`urls[${i}] is not an http(s) URL`);
  }
  const positiveInts = [
    "maxInputsPerCall",
    "maxTokensPerCall",
    "maxConcurrentCalls",
    "callTimeoutMs",
    "deadlineMs",
  ] as const;
  for (const key of positiveInts) {
    if (!Number.isInteger(config[key]) || config[key] < 1)
      problems.push(`${key} must be a positive integer`);
  }
  if (!Number.isInteger(config.maxRetries) || config.maxRetries < 0)
    problems.push("maxRetries must be an integer >= 0");
  if (config.model === "") problems.push("model is empty");
  if (problems.length > 0)
    throw new Error(`Invalid GPU pool config: ${problems.join("; ")}`);
}
