/**
 * Per-tenant requests-per-minute and tokens-per-minute limits on @upstash/ratelimit.
 *
 * Algorithm: a token bucket whose capacity and refill are both the plan's per-minute
 * limit, refilled once per minute (`tokenBucket(limit, "60 s", limit)`). In effect a
 * one-minute window that starts at the tenant's first request rather than on the clock
 * minute. Chosen over the library's sliding window because:
 * - a refusal consumes nothing: 2.2's bucket script refuses when fewer tokens are left
 *   than the request asks for, before writing. The sliding-window script only refuses
 *   when the window is already full, so a 600-token request with 500 of 1000 used is
 *   counted (used becomes 1100) and then reported as refused, charging the tenant for
 *   work we never did;
 * - `reset` is exact: it is when the bucket is full again, which is precisely OpenAI's
 *   "time until the rate limit resets to its initial state" and a truthful Retry-After
 *   (any request within the plan fits then). The sliding window's `reset` is the end of
 *   its current fixed sub-window, while the weighted previous window may still refuse;
 * - windows start per tenant, so tenants do not all come back on the same second.
 * The cost is the fixed-window burst: up to twice the limit across a window boundary.
 * Plans are per-minute budgets, so this is accepted; exactness and honest headers
 * matter more here than smoothing.
 *
 * The ephemeral cache is off: it blocks in one isolate's memory until `reset` after a
 * refusal, which would refuse a small request after a large one was refused, survive
 * our refunds, and leave headers without real counts. Analytics is off: it adds Redis
 * writes per call for a dashboard we do not use (metering is ours).
 */
import { Ratelimit } from "@upstash/ratelimit";
import type { Redis } from "@upstash/redis/cloudflare";

/**
 * The Redis commands the limits use: EVALSHA/EVAL for the scripts (ratelimit falls back
 * to EVAL on NOSCRIPT), INCRBY for quota refunds; GET/SET are in @upstash/ratelimit's
 * own client type (it uses them only for dynamic limits, which stay off).
 */
export type LimitsRedis = Pick<Redis, "evalsha" | "eval" | "incrby" | "get" | "set">;

export type RateKind = "requests" | "tokens";

export interface RateState {
  limit: number;
  remaining: number;
  /** ms epoch (Date.now clock) at which the bucket is full again. */
  resetAt: number;
}

/** What one limiter check says: its state, or why Redis gave none. */
export type CheckOutcome<State> =
  | { status: "allowed" | "refused"; state: State }
  | { status: "unavailable"; cause: "timeout" | "error"; error?: unknown };

export type RateOutcome = CheckOutcome<RateState>;

export const WINDOW_MS = 60_000;

// Instances are cheap but stateless only per configuration; one per (client, kind,
// limit, timeout) is kept for the isolate's life. Plans take few distinct values, so
// the map stays small.
const limiters = new WeakMap<object, Map<string, Ratelimit>>();

function limiterFor(redis: LimitsRedis, prefix: string, kind: RateKind, limit: number, timeoutMs: number): Ratelimit {
  let byConfig = limiters.get(redis);
  if (!byConfig) {
    byConfig = new Map();
    limiters.set(redis, byConfig);
  }
  const id = `${prefix}\n${kind}\n${limit}\n${timeoutMs}`;
  let limiter = byConfig.get(id);
  if (!limiter) {
    limiter = new Ratelimit({
      redis,
      limiter: Ratelimit.tokenBucket(limit, `${WINDOW_MS} ms`, limit),
      // The key holds only {refilledAt, tokens}, not the limit, so a plan change keeps
      // the tenant's current window instead of handing out a fresh, full one.
      prefix: `${prefix}:${kind}`,
      ephemeralCache: false,
      analytics: false,
      enableTelemetry: false,
      // On expiry limit() resolves {success: true, reason: "timeout"}; we read that as
      // "Redis unavailable", never as an admission.
      timeout: timeoutMs,
    });
    byConfig.set(id, limiter);
  }
  return limiter;
}

export interface RateCall {
  prefix: string;
  kind: RateKind;
  limit: number;
  tenantId: string;
  timeoutMs: number;
}

/**
 * Takes `amount` from the tenant's bucket (negative: gives it back). Must be called
 * without awaiting anything first: its EVALSHA is then queued in the same tick as the
 * other admission commands and auto-pipelining sends them together.
 */
export async function takeFromBucket(redis: LimitsRedis, call: RateCall, amount: number): Promise<RateOutcome> {
  try {
    const result = await limiterFor(redis, call.prefix, call.kind, call.limit, call.timeoutMs).limit(call.tenantId, { rate: amount });
    if (result.reason === "timeout") return { status: "unavailable", cause: "timeout" };
    return {
      status: result.success ? "allowed" : "refused",
      state: { limit: call.limit, remaining: result.remaining, resetAt: result.reset },
    };
  } catch (error) {
    return { status: "unavailable", cause: "error", error };
  }
}

/** The bucket's current state without consuming (for the headers of a token refusal). */
export async function readBucket(redis: LimitsRedis, call: RateCall): Promise<RateState | undefined> {
  const read = limiterFor(redis, call.prefix, call.kind, call.limit, call.timeoutMs).getRemaining(call.tenantId);
  // getRemaining has no timeout of its own in @upstash/ratelimit.
  const result = await withTimeout(read, call.timeoutMs).catch((): typeof TIMED_OUT => TIMED_OUT);
  return result === TIMED_OUT ? undefined : { limit: call.limit, remaining: result.remaining, resetAt: result.reset };
}

export const TIMED_OUT: unique symbol = Symbol("timed out");

/** Resolves TIMED_OUT if `promise` has not settled within `ms` (it keeps running; its result is dropped). */
export function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T | typeof TIMED_OUT> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const expired = new Promise<typeof TIMED_OUT>((resolve) => {
    timer = setTimeout(() => resolve(TIMED_OUT), ms);
  });
  return Promise.race([promise, expired]).finally(() => {
    if (timer !== undefined) clearTimeout(timer);
  });
}
