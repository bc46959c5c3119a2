/**
 * Admission: decides whether a tenant's request may go on to the cache and the GPUs,
 * by its plan's max inputs per request, requests and tokens per minute and monthly
 * token quota, and produces the rate-limit headers of the response.
 *
 * From local leases (README "Admission leases"): each admission instance (one per
 * isolate) holds, per tenant, a lease of each limit granted by lease-script.ts in one
 * EVALSHA. A request that fits the lease is admitted at once, without Redis; when the
 * lease is down to half its size, a top-up is sent in the background (through the
 * request's `background`, i.e. ctx.waitUntil: no timer survives a request in workerd).
 * Only a tenant's first request in the isolate, a lease that ran out or expired, or a
 * request bigger than the lease waits on Redis: that call returns the lease's rest and
 * asks for exactly what the request needs (all-or-nothing, in all three limits at once)
 * plus a lease. A refusal therefore consumes nothing and needs no refund.
 *
 * Overshoot: the per-minute limits are sliding windows (lease-script.ts), so the script
 * never grants more than the limit within any 60 s. Admissions in a 60 s window come
 * from grants in it, or from grants before it still unused when it starts: the excess
 * is bounded by the grants outstanding, isolates x lease cap (0.5% of the limit, at
 * least one unit), i.e. <= 5% with 10 busy isolates for limits of 200 units or more.
 * The headers are this isolate's view: remaining = global remaining at its last grant
 * minus its own use since (approximate: other isolates' use since is not seen).
 *
 * Redis unreachable (error, or no answer within `timeoutMs`) on a request that must
 * wait: "open" admits with `degraded: true` and one structured warning, so metering
 * can count the request later (see settleDegraded); "closed" answers 503
 * `rate_limiter_unavailable`. Headers then state the plan's limits (x-ratelimit-limit-*,
 * RateLimit-Policy) only; nothing is invented. A failed background top-up is logged and
 * changes nothing: the lease is used until it runs out.
 */
import { invalidRequest } from "../errors/api-error";
import type { Plan } from "../tenants/records";
import type { Principal } from "../tenants/principal";
import { AdmissionError } from "./admission-error";
import {
  formatResetDuration,
  rateLimitHeaders,
  type AdmissionSnapshot,
} from "./headers";
import {
  absorbGrant,
  DEFAULT_LEASE_POLICY,
  extraToAsk,
  fits,
  leaseTarget,
  LIMIT_NAMES,
  localView,
  needsTopUp,
  newLease,
  recordUse,
  takeFromLease,
  takeReturns,
  type Amounts,
  type LeasePolicy,
  type TenantLease,
} from "./lease";
import {
  requestLease,
  type LeaseCall,
  type LeaseGrant,
  type LeaseOutcome,
} from "./lease-script";
import type { LimitsRedis } from "./limits-redis";
import { chargeMonthlyQuotaOnce, keepSeconds } from "./monthly-quota";

/** Default Redis key prefix of the limiters and the monthly quota. */
export const LIMITS_PREFIX = "limits";

/** Leases kept per instance; past this, the least recently used tenant's lease is dropped (its rest counts until it leaves the window). */
const MAX_TENANT_LEASES = 10_000;

export interface AdmissionOptions {
  /** With Redis unreachable: "open" admits (degraded), "closed" answers 503. */
  failureMode: "open" | "closed";
  /** Clock (ms epoch) of the per-minute windows, the leases and the monthly quota; default Date.now. */
  now?: () => number;
  /** Budget of a waiting admission's Redis call; default 1000 ms (TENANCY_REDIS_TIMEOUT_MS). */
  timeoutMs?: number;
  /** Redis key prefix; default "limits". */
  prefix?: string;
  /** Retry-After of the 503 in "closed" mode; default 5 s. */
  unavailableRetryAfterSeconds?: number;
  /** Lease sizing; default DEFAULT_LEASE_POLICY (0.5% cap, 5 s of recent rate, 10 s expiry). */
  lease?: Partial<LeasePolicy>;
  /** Structured log sink; default one JSON line on console.warn. Entries hold no secrets. */
  log?: (entry: Record<string, unknown>) => void;
}

export interface Usage {
  /** The request's exact token count, cached inputs included. */
  tokens: number;
  inputs: number;
}

export interface AdmitOptions {
  /** Keeps background work (a lease top-up) alive past the response: ctx.waitUntil. Without it the work is not awaited by anyone. */
  background?: (work: Promise<unknown>) => void;
}

export interface AdmissionResult {
  headers: Record<string, string>;
  /** True when admitted without Redis: the request's usage was not counted against the limits. */
  degraded: boolean;
}

export interface Admission {
  /** Resolves when admitted; throws AdmissionError (429/503) or ApiError (400) otherwise. */
  admit(
    principal: Principal,
    usage: Usage,
    options?: AdmitOptions,
  ): Promise<AdmissionResult>;
  /** Charges a degraded request's tokens to its month once Redis is back; idempotent per eventId. */
  settleDegraded(
    tenantId: string,
    tokens: number,
    admittedAt: number,
    eventId: string,
  ): Promise<boolean>;
}

export function createAdmission(
  redis: LimitsRedis,
  options: AdmissionOptions,
): Admission {
  const now = options.now ?? Date.now;
  const timeoutMs = options.timeoutMs ?? 1_000;
  const prefix = options.prefix ?? LIMITS_PREFIX;
  const policy: LeasePolicy = { ...DEFAULT_LEASE_POLICY, ...options.lease };
  const log =
    options.log ??
    ((entry: Record<string, unknown>) => console.warn(JSON.stringify(entry)));
  const leases = new Map<string, TenantLease>();

  function leaseOf(tenantId: string, at: number): TenantLease {
    let lease = leases.get(tenantId);
    if (lease) leases.delete(tenantId);
    else lease = newLease(at);
    leases.set(tenantId, lease);
    if (leases.size > MAX_TENANT_LEASES)
      leases.delete(leases.keys().next().value as string);
    return lease;
  }

  /** One grant call: returns the lease's rest when `need` is given (a waiting request), asks need + extra. */
  async function grant(
    tenantId: string,
    plan: Plan,
    lease: TenantLease,
    need: Amounts,
    at: number,
    waiting: boolean,
  ): Promise<LeaseOutcome> {
    const limits = limitsOf(plan);
    // Returns first: the extra then refills the lease to its target from empty.
    const returns = waiting
      ? takeReturns(lease, at)
      : { amounts: ZERO, to: ZERO };
    const extra = extraToAsk(lease, leaseTarget(lease, limits, at, policy));
    const ask = (name: keyof Amounts) => ({
      limit: limits[name],
      need: need[name],
      want: need[name] + extra[name],
      returned: returns.amounts[name],
      returnTo: returns.to[name],
    });
    const call: LeaseCall = {
      prefix,
      tenantId,
      at,
      timeoutMs,
      requests: ask("requests"),
      tokens: ask("tokens"),
      monthlyTokens: ask("monthlyTokens"),
    };
    for (const name of LIMIT_NAMES) lease.held[name].asking += extra[name];
    try {
      return await requestLease(redis, call, keepSeconds(at, at));
    } finally {
      for (const name of LIMIT_NAMES) lease.held[name].asking -= extra[name];
    }
  }

  function topUp(
    tenantId: string,
    plan: Plan,
    lease: TenantLease,
    at: number,
    background: AdmitOptions["background"],
  ): void {
    if (
      lease.topUp ||
      !needsTopUp(lease, leaseTarget(lease, limitsOf(plan), at, policy))
    )
      return;
    const work = grant(tenantId, plan, lease, ZERO, at, false).then(
      (outcome) => {
        if (outcome.status === "unavailable")
          log({
            level: "warn",
            event: "rate_limit_top_up_failed",
            tenantId,
            cause: outcome.cause,
          });
        else absorbGrant(lease, outcome.state, ZERO, now());
      },
    );
    lease.topUp = work.finally(() => {
      lease.topUp = undefined;
    });
    background?.(lease.topUp);
  }

  async function admit(
    principal: Principal,
    usage: Usage,
    admitOptions: AdmitOptions = {},
  ): Promise<AdmissionResult> {
    checkUsage(usage);
    const { plan, tenantId } = principal;
    if (usage.inputs > plan.max_inputs_per_request) {
      throw invalidRequest(
        `This request has ${usage.inputs} inputs; your plan allows at most ${plan.max_inputs_per_request} per request.`,
        "input",
      );
    }
    const at = now();
    const headersOf = (snapshot: AdmissionSnapshot, when: number) =>
      rateLimitHeaders(snapshot, { rate: when, calendar: when });
    const never = neverFits(plan, usage, tenantId);
    if (never)
      throw new AdmissionError(
        never.kind,
        never.message,
        { code: never.kind },
        headersOf(limitsOnly(plan), at),
      );

    const need: Amounts = {
      requests: 1,
      tokens: usage.tokens,
      monthlyTokens: usage.tokens,
    };
    const lease = leaseOf(tenantId, at);
    if (!fits(lease, need, at, policy) && lease.topUp) await lease.topUp;
    const local = now();
    if (fits(lease, need, local, policy)) {
      takeFromLease(lease, need, local, policy);
      topUp(tenantId, plan, lease, local, admitOptions.background);
      return {
        headers: headersOf(snapshotOf(plan, lease), local),
        degraded: false,
      };
    }

    const outcome = await grant(tenantId, plan, lease, need, local, true);
    if (outcome.status === "unavailable") {
      const errorName =
        outcome.error instanceof Error ? outcome.error.name : undefined;
      log({
        level: "warn",
        event: "rate_limiter_unavailable",
        tenantId,
        failureMode: options.failureMode,
        cause: outcome.cause,
        ...(errorName ? { error: errorName } : {}),
      });
      if (options.failureMode === "open")
        return { headers: headersOf(limitsOnly(plan), local), degraded: true };
      const message =
        "The rate limiter is temporarily unavailable, so this request was not processed. Please retry after a short wait.";
      const retryAfterSeconds = options.unavailableRetryAfterSeconds ?? 5;
      throw new AdmissionError(
        "service_unavailable",
        message,
        { code: "rate_limiter_unavailable", retryAfterSeconds },
        headersOf(limitsOnly(plan), local),
      );
    }
    const admitted = outcome.status === "allowed";
    absorbGrant(lease, outcome.state, admitted ? need : ZERO, now());
    const snapshot = snapshotOf(plan, lease);
    if (admitted) {
      recordUse(lease, need, local, policy);
      return { headers: headersOf(snapshot, local), degraded: false };
    }
    const { kind, message, retryAfterMs } = refusalOf(
      tenantId,
      usage,
      outcome.state,
      snapshot,
      local,
    );
    throw new AdmissionError(
      kind,
      message,
      { code: kind, retryAfterSeconds: retryAfterMs / 1000 },
      headersOf(snapshot, local),
    );
  }

  return {
    admit,
    settleDegraded: (tenantId, tokens, admittedAt, eventId) =>
      chargeMonthlyQuotaOnce(
        redis,
        { prefix, tenantId, at: admittedAt, eventId, now: now() },
        tokens,
      ),
  };
}

const ZERO: Amounts = Object.freeze({
  requests: 0,
  tokens: 0,
  monthlyTokens: 0,
});

function limitsOf(plan: Plan): Amounts {
  return {
    requests: plan.requests_per_minute,
    tokens: plan.tokens_per_minute,
    monthlyTokens: plan.tokens_per_month,
  };
}

function checkUsage(usage: Usage): void {
  if (
    !Number.isSafeInteger(usage.tokens) ||
    usage.tokens < 0 ||
    !Number.isSafeInteger(usage.inputs) ||
    usage.inputs < 0
  ) {
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
function neverFits(
  plan: Plan,
  usage: Usage,
  tenantId: string,
):
  | { kind: "rate_limit_exceeded" | "insufficient_quota"; message: string }
  | undefined {
  if (plan.requests_per_minute < 1) {
    return {
      kind: "rate_limit_exceeded",
      message: `Your plan allows 0 requests per min (RPM) in tenant ${tenantId}.`,
    };
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

/** Each limit as this instance sees it, for the headers. */
function snapshotOf(plan: Plan, lease: TenantLease): AdmissionSnapshot {
  const view = localView(lease);
  return {
    requests: { limit: plan.requests_per_minute, ...view.requests },
    tokens: { limit: plan.tokens_per_minute, ...view.tokens },
    monthlyTokens: { limit: plan.tokens_per_month, ...view.monthlyTokens },
  };
}

/** The 429 a refusal answers: the quota first (waiting a minute does not help), then requests, then tokens. */
function refusalOf(
  tenantId: string,
  usage: Usage,
  grant: LeaseGrant,
  s: AdmissionSnapshot,
  at: number,
) {
  const month = s.monthlyTokens;
  if (grant.monthlyTokens.left < usage.tokens) {
    const used = month.limit - (month.remaining ?? 0);
    const resetAt = grant.monthlyTokens.resetAt;
    const message =
      `You exceeded your current quota, please check your plan and billing details. Tenant ${tenantId} has used ${used} of ${month.limit} tokens this month (UTC)` +
      ` and this request needs ${usage.tokens}. The quota resets at ${new Date(resetAt).toISOString()}.`;
    return {
      kind: "insufficient_quota" as const,
      message,
      retryAfterMs: resetAt - at,
    };
  }
  const byRequests = grant.requests.left < 1;
  const waits = [
    byRequests ? grant.requests.retryAt - at : 0,
    grant.tokens.left < usage.tokens ? grant.tokens.retryAt - at : 0,
  ];
  const retryAfterMs = Math.max(1, ...waits);
  const [name, abbr, snap, requested] = byRequests
    ? (["requests", "RPM", s.requests, 1] as const)
    : (["tokens", "TPM", s.tokens, usage.tokens] as const);
  const used = Math.max(0, snap.limit - (snap.remaining ?? 0));
  const message =
    `Rate limit reached for ${name} per min (${abbr}) in tenant ${tenantId}: Limit ${snap.limit}, Used ${used}, Requested ${requested}.` +
    ` Please try again in ${formatResetDuration(retryAfterMs)}.`;
  return { kind: "rate_limit_exceeded" as const, message, retryAfterMs };
}
