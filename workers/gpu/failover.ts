/**
 * Gets one sub-batch embedded by some endpoint: failover across the pool's URLs,
 * retry rounds with backoff, circuit breakers, and the decision of which error to give
 * when nothing worked.
 *
 * One round tries every usable endpoint once, in configured order; moving to the next
 * endpoint is immediate (it is other hardware, there is nothing to wait for). Between
 * rounds the sub-batch waits: exponential backoff with full jitter, but at least until
 * the soonest endpoint's `Retry-After` has passed. There are 1 + maxRetries rounds, and
 * no wait or call may run past the request's deadline.
 *
 * Two kinds of failure, kept apart because one tenant's input must never degrade service
 * for another:
 * - Endpoint health: connection errors, timeouts, 408/429/502/503/504. Retried (after
 *   the endpoint's Retry-After if it gave one), counted on the endpoint's breaker, and a
 *   503 with Retry-After when nothing serves.
 * - A failure that follows an input: the engine refused it (400/413/422) or failed on it
 *   (500 and other 5xx, TEI's 424). Never retried as an outage and never counted on a
 *   breaker: isolate-input.ts finds the input on the same endpoint and the request is a
 *   400 naming it (GpuInputRejected; the pipeline turns its position into `input[i]`).
 *
 * The decision, since a 500 alone cannot say which kind it is: an input is blamed only
 * when the same endpoint is shown to work in the same attempt, by a 400 (it judged the
 * request), by a canary call with a fixed tiny input answering after a 500, or by other
 * parts of the sub-batch succeeding while isolating. An endpoint that answers 500 to
 * everything fails its canary too, so the attempt is an endpoint failure: breaker
 * failure, retried, and in the end 503, never blamed on input[0]. Finding the input
 * costs at most 1 + 2·⌈log2 n⌉ calls after the first (the canary, then two per level of
 * halving); an attempt that would need more, or that meets a health failure while
 * isolating, is an endpoint failure like the rest. A 500 that does not come back when
 * the halves are sent separately blames nothing: the halves' vectors are the answer.
 *
 * Other answers, per endpoint and sub-batch:
 * - invalid vectors (NaN, wrong size, bad norm, wrong count): the endpoint is not asked
 *   again for this sub-batch, since the same input would likely break the same way, but
 *   other endpoints are (a different worker, maybe with a correct dtype, may be fine).
 *   Breaker failure. If no endpoint then produces valid vectors the answer is 502
 *   `upstream_invalid_response`: the pool did answer, and what it said was wrong.
 * - 401/403 and other unexpected statuses (404: wrong URL): our misconfiguration of that
 *   endpoint. Logged, not asked again for this sub-batch, breaker failure; if nothing
 *   else works it is a 503, never the tenant's fault.
 * An endpoint whose breaker is open is skipped; if every remaining endpoint's breaker is
 * open the sub-batch fails at once (503, Retry-After = time to the first half-open),
 * which is the point of a breaker: no request waits on a known-dead pool. A breaker
 * counts attempts (one per endpoint per round), not the calls isolation makes inside one.
 */
import type { CircuitBreakers } from "./circuit-breaker";
import type { EngineResolver } from "./engines/detect-engine";
import { httpProbe } from "./engines/http-probe";
import { attemptOnEndpoint, type Attempt } from "./isolate-input";
import {
  endpointLabel,
  GpuInputRejected,
  gpuUnavailable,
  upstreamInvalidResponse,
} from "./pool-errors";
import { backoffDelayMs } from "./retry";
import type { GpuInput } from "./gpu-item";
import type { GpuPoolConfig } from "./pool-config";
import { callEmbeddings, type CallOutcome } from "./upstream-call";

export interface FailoverContext {
  config: GpuPoolConfig;
  fetch: typeof fetch;
  sleep: (ms: number) => Promise<void>;
  random: () => number;
  now: () => number;
  lane: string | undefined;
  /** The pool's breakers (instance state that outlives the request). */
  breakers: CircuitBreakers;
  /** Each endpoint's engine, declared or detected once (instance state like the breakers). */
  engines: EngineResolver;
  /** Absolute time (same clock as `now`) after which nothing more is started. */
  deadline: number;
  /** Aborted when the caller gives up or a sibling sub-batch has failed; its reason is rethrown. */
  signal: AbortSignal;
  /** Shared by all sub-batches of one request. */
  stats: { gpuMs: number; calls: number };
}

export async function embedWithFailover(
  inputs: GpuInput[],
  ctx: FailoverContext,
): Promise<Float32Array[]> {
  const { urls } = ctx.config;
  // Per endpoint, for this sub-batch only: earliest time its Retry-After allows a call.
  const retryAt = urls.map(() => 0);
  const excluded = new Set<number>();
  let invalidSeen = false;

  const usable = (): number[] =>
    urls.flatMap((_, i) => (excluded.has(i) ? [] : [i]));
  const breakerWait = (i: number): number =>
    ctx.breakers.msUntilAvailable(urls[i] ?? "", ctx.now());
  const unavailable = (): Error => {
    if (invalidSeen) return upstreamInvalidResponse();
    const now = ctx.now();
    const hints = usable().map((i) =>
      Math.max((retryAt[i] ?? 0) - now, breakerWait(i)),
    );
    const soonest = Math.min(...hints);
    return gpuUnavailable(
      hints.length > 0 && soonest > 0 ? soonest : undefined,
    );
  };

  for (let round = 0; round <= ctx.config.maxRetries; round++) {
    const candidates = usable();
    if (candidates.length === 0) break;
    if (candidates.every((i) => breakerWait(i) > 0)) throw unavailable();

    let roundStartsAt = ctx.now();
    if (round > 0) {
      const soonestRetryAfter = Math.min(
        ...candidates.map((i) => (retryAt[i] ?? 0) - roundStartsAt),
      );
      const wait = Math.max(
        backoffDelayMs(round - 1, ctx.random),
        soonestRetryAfter,
      );
      if (roundStartsAt + wait >= ctx.deadline) throw unavailable();
      await sleepUnlessCancelled(ctx, wait);
      roundStartsAt += wait;
    }

    for (const i of candidates) {
      const url = urls[i];
      if (url === undefined) continue;
      const now = Math.max(ctx.now(), roundStartsAt);
      if ((retryAt[i] ?? 0) > now) continue;
      const remaining = ctx.deadline - ctx.now();
      if (remaining <= 0) throw unavailable();
      if (!ctx.breakers.tryAcquire(url, ctx.now())) continue;

      const attempt = await attemptOnEndpoint(inputs, (some) =>
        callOnce(url, some, ctx),
      );
      const vectors = settle(attempt, url, ctx);
      if (vectors !== undefined) return vectors;
      if (attempt.kind !== "endpoint_failed") continue;
      const { outcome } = attempt;
      if (outcome.kind === "transient" && outcome.retryAfterMs !== undefined) {
        retryAt[i] = ctx.now() + outcome.retryAfterMs;
      }
      if (
        outcome.kind === "invalid_response" ||
        outcome.kind === "auth_rejected" ||
        outcome.kind === "endpoint_fault"
      ) {
        excluded.add(i);
      }
      if (outcome.kind === "invalid_response") invalidSeen = true;
    }
  }
  throw unavailable();
}

/** One call of `inputs` to `url` within the deadline; counts it, and meters it when it succeeded. */
async function callOnce(
  url: string,
  inputs: GpuInput[],
  ctx: FailoverContext,
): Promise<CallOutcome> {
  const remaining = ctx.deadline - ctx.now();
  if (remaining <= 0)
    return {
      kind: "transient",
      reason: "deadline reached",
      retryAfterMs: undefined,
    };
  const timeoutMs = Math.min(ctx.config.callTimeoutMs, remaining);
  const extraHeaders = ctx.config.endpointHeaders?.[url];
  const probe = httpProbe({
    baseUrl: url,
    token: ctx.config.token,
    extraHeaders,
    lane: ctx.lane,
    timeoutMs,
    signal: ctx.signal,
    fetch: ctx.fetch,
  });
  const engine = await ctx.engines
    .adapterFor(url, probe)
    .catch(() => undefined);
  if (engine === undefined) {
    if (ctx.signal.aborted) return { kind: "cancelled" };
    // Unreachable while detecting: an endpoint-health failure like a refused call.
    return {
      kind: "transient",
      reason: "engine detection failed",
      retryAfterMs: undefined,
    };
  }
  ctx.stats.calls += 1;
  const outcome = await callEmbeddings({
    baseUrl: url,
    engine,
    model: ctx.config.model,
    inputs,
    token: ctx.config.token,
    extraHeaders,
    lane: ctx.lane,
    timeoutMs,
    signal: ctx.signal,
    fetch: ctx.fetch,
    now: ctx.now,
  });
  // Isolation's halves and canary are GPU work done for this request too.
  if (outcome.kind === "ok") ctx.stats.gpuMs += outcome.elapsedMs;
  return outcome;
}

/** Vectors on success; throws where the sub-batch is decided; undefined to keep trying. */
function settle(
  attempt: Attempt,
  url: string,
  ctx: FailoverContext,
): Float32Array[] | undefined {
  if (attempt.kind === "ok") {
    ctx.breakers.recordSuccess(url);
    return attempt.vectors;
  }
  if (attempt.kind === "input_failed") {
    // The endpoint works (isolate-input.ts showed it): a success for its breaker.
    ctx.breakers.recordSuccess(url);
    log("warn", {
      event: "gpu_input_failed",
      endpoint: endpointLabel(url),
      status: attempt.failure.status,
    });
    throw new GpuInputRejected(
      attempt.position,
      attempt.failure.upstreamMessage,
    );
  }
  const { outcome } = attempt;
  switch (outcome.kind) {
    case "cancelled":
      // Not the endpoint's fault: no breaker update.
      throw ctx.signal.reason;
    case "transient":
      ctx.breakers.recordFailure(url, ctx.now());
      return undefined;
    case "invalid_response":
      ctx.breakers.recordFailure(url, ctx.now());
      log("warn", {
        event: "gpu_invalid_response",
        endpoint: endpointLabel(url),
        reason: outcome.reason,
      });
      return undefined;
    case "auth_rejected":
      ctx.breakers.recordFailure(url, ctx.now());
      log("error", {
        event: "gpu_auth_rejected",
        endpoint: endpointLabel(url),
        status: outcome.status,
        hint: "GPU pool token is wrong or missing for this endpoint",
      });
      return undefined;
    case "endpoint_fault":
      ctx.breakers.recordFailure(url, ctx.now());
      log("error", {
        event: "gpu_unexpected_status",
        endpoint: endpointLabel(url),
        status: outcome.status,
      });
      return undefined;
  }
}

function sleepUnlessCancelled(ctx: FailoverContext, ms: number): Promise<void> {
  const { signal } = ctx;
  if (signal.aborted) return Promise.reject(signal.reason);
  return new Promise((resolve, reject) => {
    const onAbort = (): void => reject(signal.reason);
    signal.addEventListener("abort", onAbort, { once: true });
    ctx.sleep(ms).then(
      () => {
        signal.removeEventListener("abort", onAbort);
        resolve();
      },
      (error: unknown) => {
        signal.removeEventListener("abort", onAbort);
        reject(error);
      },
    );
  });
}

function log(level: "warn" | "error", fields: Record<string, unknown>): void {
  console[level](JSON.stringify({ component: "gpu-pool", ...fields }));
}
