/**
 * Admission: decides whether a tenant's request may go on to the cache and the GPUs,
 * by its plan's max inputs per request, requests and tokens per minute and monthly
 * token quota, and produces the rate-limit headers of the response.
 *
 * Round trips: the three Redis checks (two @upstash/ratelimit scripts and the quota
 * script) are issued in one synchronous run, so @upstash/redis auto-pipelining sends
 * them as ONE HTTP call; concurrent admissions in the isolate share it too. A refusal
 * costs one more call, to give back what the other checks took.
 *
 * Semantics when limits disagree: the checks run concurrently and each consumes if it
 * passes, so when one refuses, the others have already taken capacity. We give it back
 * (bucket refunds with a negative rate, INCRBY -tokens on the month's counter): a request we do
 * not serve consumes nothing, and in particular a request refused on requests does not
 * use token capacity. Near a limit, a concurrent request may be refused during the
 * milliseconds before the refund lands; the reverse (admitting over a limit) never
 * happens. A failed refund is logged and leaves capacity taken until the window ends.
 *
 * Redis unreachable (error, or a check not answered within `timeoutMs`; the rate
 * limiters report that as success with reason "timeout", which is never taken as a
 * pass): "open" admits with `degraded: true` and one structured warning, so metering
 * can count the request later (see settleDegraded); "closed" answers 503
 * `rate_limiter_unavailable`. Headers then state the plan's limits (x-ratelimit-limit-*,
 * RateLimit-Policy) and only the counts that are known; nothing is invented.
 */
import { invalidRequest } from "../errors/api-error";
import type { Plan, Principal } from "../tenants/types";
import { AdmissionError } from "./admission-error";
import { formatResetDuration, rateLimitHeaders, type AdmissionSnapshot, type LimitSnapshot } from "./headers";
import { chargeMonthlyQuotaOnce, consumeMonthlyQuota, refundMonthlyQuota, type QuotaCall, type QuotaOutcome } from "./monthly-quota";
import { readBucket, takeFromBucket, type LimitsRedis, type RateCall, type RateOutcome, type RateState } from "./rate-limits";

/** Default Redis key prefix of the limiters and the monthly quota. */
export const LIMITS_PREFIX = "limits";

export interface AdmissionOptions {
  /** With Redis unreachable: "open" admits (degraded), "closed" answers 503. */
  failureMode: "open" | "closed";
  /** Calendar clock of the monthly quota (month, reset). The rate limiters read Date.now themselves. */
  now?: () => number;
  /** Budget of the admission's Redis call; default 1000 ms (TENANCY_REDIS_TIMEOUT_MS). */
  timeoutMs?: number;
  /** Redis key prefix; default "limits". */
  prefix?: string;
  /** Retry-After of the 503 in "closed" mode; default 5 s. */
  unavailableRetryAfterSeconds?: number;
  /** Structured log sink; default one JSON line on console.warn. Entries hold no secrets. */
  log?: (entry: Record<string, unknown>) => void;
}

export interface Usage {
  /** The request's exact token count, cached inputs included. */
  tokens: number;
  inputs: number;
}

export interface AdmissionResult {
  headers: Record<string, string>;
  /** True when admitted without Redis: the request's usage was not counted against the limits. */
  degraded: boolean;
}

export interface Admission {
  /** Resolves when admitted; throws AdmissionError (429/503) or ApiError (400) otherwise. */
  admit(principal: Principal, usage: Usage): Promise<AdmissionResult>;
  /** Charges a degraded request's tokens to its month once Redis is back; idempotent per eventId. */
  settleDegraded(tenantId: string, tokens: number, admittedAt: number, eventId: string): Promise<boolean>;
}

type Outcomes = { requests: RateOutcome; tokens: RateOutcome; quota: QuotaOutcome };

export function createAdmission(redis: LimitsRedis, options: AdmissionOptions): Admission {
  const now = options.now ?? Date.now;
  const timeoutMs = options.timeoutMs ?? 1_000;
  const prefix = options.prefix ?? LIMITS_PREFIX;
  const log = options.log ?? ((entry: Record<string, unknown>) => console.warn(JSON.stringify(entry)));

  async function admit(principal: Principal, usage: Usage): Promise<AdmissionResult> {
    checkUsage(usage);
    const { plan, tenantId } = principal;
    if (usage.inputs > plan.max_inputs_per_request) {
      throw invalidRequest(`This request has ${usage.inputs} inputs; your plan allows at most ${plan.max_inputs_per_request} per request.`, "input");
    }
    const at = now();
    const headersOf = (snapshot: AdmissionSnapshot) => rateLimitHeaders(snapshot, { rate: Date.now(), calendar: at });
    const never = neverFits(plan, usage, tenantId);
    if (never) throw new AdmissionError(never.kind, never.message, { code: never.kind }, headersOf(limitsOnly(plan)));

    const rate = (kind: RateCall["kind"], limit: number): RateCall => ({ prefix, kind, limit, tenantId, timeoutMs });
    const requestsCall = rate("requests", plan.requests_per_minute);
    const tokensCall = rate("tokens", plan.tokens_per_minute);
    const quotaCall: QuotaCall = { prefix, tenantId, quota: plan.tokens_per_month, at, timeoutMs };
    // No await before these three: their EVALSHAs must be queued in the same tick.
    const [requests, tokens, quota] = await Promise.all([
      takeFromBucket(redis, requestsCall, 1),
      takeFromBucket(redis, tokensCall, usage.tokens),
      consumeMonthlyQuota(redis, quotaCall, usage.tokens),
    ]);
    const outcomes: Outcomes = { requests, tokens, quota };
    const refused = requests.status === "refused" || tokens.status === "refused" || quota.status === "refused";
    const unavailable = [requests, tokens, quota].find((o) => o.status === "unavailable");

    if (!refused && !unavailable) return { headers: headersOf(snapshotOf(plan, usage, outcomes, false)), degraded: false };
    if (!refused && unavailable?.status === "unavailable") {
      const errorName = unavailable.error instanceof Error ? unavailable.error.name : undefined;
      log({ level: "warn", event: "rate_limiter_unavailable", tenantId, failureMode: options.failureMode, cause: unavailable.cause, ...(errorName ? { error: errorName } : {}) });
      if (options.failureMode === "open") return { headers: headersOf(snapshotOf(plan, usage, outcomes, false)), degraded: true };
    }

    const tokensNow = await giveBack(outcomes, usage.tokens, requestsCall, tokensCall, quotaCall);
    const snapshot = snapshotOf(plan, usage, outcomes, true, tokensNow);
    if (!refused) {
      const message = "The rate limiter is temporarily unavailable, so this request was not processed. Please retry after a short wait.";
      const retryAfterSeconds = options.unavailableRetryAfterSeconds ?? 5;
      throw new AdmissionError("service_unavailable", message, { code: "rate_limiter_unavailable", retryAfterSeconds }, headersOf(snapshot));
    }
    const { kind, message, retryAfterMs } = refusalOf(tenantId, usage, outcomes, snapshot, at);
    throw new AdmissionError(kind, message, { code: kind, retryAfterSeconds: retryAfterMs / 1000 }, headersOf(snapshot));
  }

  /**
   * For a request not admitted: returns what the passing checks took, all in one
   * pipelined call, and reads the token bucket if it was the one refusing (its script
   * does not report what is left). Resolves with that reading.
   */
  async function giveBack(o: Outcomes, tokens: number, requestsCall: RateCall, tokensCall: RateCall, quotaCall: QuotaCall): Promise<RateState | undefined> {
    const failed: string[] = [];
    const [, , , tokensNow] = await Promise.all([
      o.requests.status === "allowed" && takeFromBucket(redis, requestsCall, -1).then((r) => r.status === "unavailable" && failed.push("requests")),
      o.tokens.status === "allowed" && tokens > 0 && takeFromBucket(redis, tokensCall, -tokens).then((r) => r.status === "unavailable" && failed.push("tokens")),
      o.quota.status === "allowed" && tokens > 0 && refundMonthlyQuota(redis, quotaCall, tokens).catch(() => failed.push("monthly-tokens")),
      o.tokens.status === "refused" ? readBucket(redis, tokensCall) : undefined,
    ]);
    if (failed.length > 0) log({ level: "warn", event: "rate_limit_refund_failed", tenantId: quotaCall.tenantId, limits: failed });
    return tokensNow;
  }

  return {
    admit,
    settleDegraded: (tenantId, tokens, admittedAt, eventId) => chargeMonthlyQuotaOnce(redis, { prefix, tenantId, at: admittedAt, eventId, now: now() }, tokens),
  };
}

function checkUsage(usage: Usage): void {
  if (!Number.isSafeInteger(usage.tokens) || usage.tokens < 0 || !Number.isSafeInteger(usage.inputs) || usage.inputs < 0) {
    throw new TypeError("admission usage must be non-negative integers");
  }
}

function limitsOnly(plan: Plan): AdmissionSnapshot {
  return {
    requests: { limit: plan.requests_per_minute },
    tokens: { limit: plan.tokens_per_minute },
    monthlyTokens: { limit: plan.tokens_per_month },
  };
}

/** A request no amount of waiting admits: refused before any Redis call, without Retry-After. */
function neverFits(plan: Plan, usage: Usage, tenantId: string): { kind: "rate_limit_exceeded" | "insufficient_quota"; message: string } | undefined {
  if (plan.requests_per_minute < 1) {
    return { kind: "rate_limit_exceeded", message: `Your plan allows 0 requests per min (RPM) in tenant ${tenantId}.` };
  }
  if (usage.tokens > plan.tokens_per_minute) {
    const message = `Request too large for tokens per min (TPM) in tenant ${tenantId}: Limit ${plan.tokens_per_minute}, Requested ${usage.tokens}. The input must be reduced in order to run successfully.`;
    return { kind: "rate_limit_exceeded", message };
  }
  if (usage.tokens > plan.tokens_per_month) {
    const message = `You exceeded your current quota, please check your plan and billing details. This request needs ${usage.tokens} tokens, more than the monthly quota of ${plan.tokens_per_month} tokens of tenant ${tenantId}.`;
    return { kind: "insufficient_quota", message };
  }
  return undefined;
}

/** Each limit's state for the headers; after refunds (`refunded`), what was given back is available again. */
function snapshotOf(plan: Plan, usage: Usage, o: Outcomes, refunded: boolean, tokensNow?: RateState): AdmissionSnapshot {
  const bucket = (outcome: RateOutcome, limit: number, took: number, current?: RateState): LimitSnapshot => {
    if (outcome.status === "unavailable") return { limit };
    if (outcome.status === "refused") return current ?? outcome.state;
    const back = refunded ? took : 0;
    return { limit, remaining: Math.min(limit, outcome.state.remaining + back), resetAt: outcome.state.resetAt };
  };
  const q = o.quota;
  const monthlyTokens: LimitSnapshot =
    q.status === "unavailable"
      ? { limit: plan.tokens_per_month }
      : { limit: q.state.quota, remaining: q.state.quota - (q.state.used - (q.status === "allowed" && refunded ? usage.tokens : 0)), resetAt: q.state.resetAt };
  return {
    requests: bucket(o.requests, plan.requests_per_minute, 1),
    tokens: bucket(o.tokens, plan.tokens_per_minute, usage.tokens, tokensNow),
    monthlyTokens,
  };
}

/** The 429 a refusal answers: the quota first (waiting a minute does not help), then requests, then tokens. */
function refusalOf(tenantId: string, usage: Usage, o: Outcomes, s: AdmissionSnapshot, at: number) {
  if (o.quota.status === "refused") {
    const { quota, used, resetAt } = o.quota.state;
    const message =
      `You exceeded your current quota, please check your plan and billing details. Tenant ${tenantId} has used ${used} of ${quota} tokens this month (UTC)` +
      ` and this request needs ${usage.tokens}. The quota resets at ${new Date(resetAt).toISOString()}.`;
    return { kind: "insufficient_quota" as const, message, retryAfterMs: resetAt - at };
  }
  const waits = [o.requests, o.tokens].map((x) => (x.status === "refused" ? x.state.resetAt - Date.now() : 0));
  const retryAfterMs = Math.max(1, ...waits);
  const [name, abbr, snap, requested] = o.requests.status === "refused" ? (["requests", "RPM", s.requests, 1] as const) : (["tokens", "TPM", s.tokens, usage.tokens] as const);
  const used = Math.max(0, snap.limit - (snap.remaining ?? 0));
  const message =
    `Rate limit reached for ${name} per min (${abbr}) in tenant ${tenantId}: Limit ${snap.limit}, Used ${used}, Requested ${requested}.` +
    ` Please try again in ${formatResetDuration(retryAfterMs)}.`;
  return { kind: "rate_limit_exceeded" as const, message, retryAfterMs };
}
