/**
 * One isolate's lease of one tenant's budget: per limit (requests/min, tokens/min,
 * monthly tokens), the units granted to this isolate and not used yet, where a return
 * of them goes, and what Redis said was left globally at the last grant. Plain state and
 * pure steps over it; admission.ts decides when to call Redis.
 *
 * Sizing (see README "Admission leases"): a lease is what the isolate admitted for the
 * tenant in the last `horizonMs` (its recent rate times the horizon), capped at
 * `maxFraction` of the limit and at least one unit when the isolate sees any traffic.
 * What an isolate holds unused is at most that cap: extras asked by calls still in
 * flight count against it, so a burst of concurrent cold requests asks for one lease,
 * not one each.
 */
export const LIMIT_NAMES = ["requests", "tokens", "monthlyTokens"] as const;
export type LimitName = (typeof LIMIT_NAMES)[number];
/** One number per limit: units (requests, or tokens). */
export type Amounts = Record<LimitName, number>;

export interface LeasePolicy {
  /** Largest lease as a fraction of the limit, rounded down, at least 1 unit; default 0.005 (0.5%). */
  maxFraction: number;
  /**
   * A lease covers this much of the isolate's recent traffic for the tenant, ms; default
   * 5000, so a steady tenant tops up about every 2.5 s (at half), one EVALSHA for all
   * three limits: ~0.004 commands a request at 100 req/s. The cap, not this, bounds overshoot.
   */
  horizonMs: number;
  /** A lease not topped up for this long is no longer used; its rest is returned with the next call, ms; default 10000. */
  ttlMs: number;
}

export const DEFAULT_LEASE_POLICY: LeasePolicy = {
  maxFraction: 0.005,
  horizonMs: 5_000,
  ttlMs: 10_000,
};

interface Held {
  /** Units granted to this isolate and not used. */
  balance: number;
  /** Where a return goes: the slot of the last grant, or the month's start. */
  returnTo: number;
  /** From then on the balance is void (the month's end; never for the sliding per-minute limits), ms. */
  voidAt: number;
  /** When the limit is whole again, as of the last grant (for the headers), ms. */
  resetAt: number;
  /** Units left globally after the last grant, not counting what isolates hold. */
  left: number;
  /** Extras beyond the waiting requests' needs asked by calls in flight. */
  asking: number;
}

export interface TenantLease {
  held: Record<LimitName, Held>;
  /** ms of the last grant: the lease is used until grantedAt + ttlMs. */
  grantedAt: number;
  /** The background top-up in flight, if any; a request that finds the lease short waits for it first. */
  topUp?: Promise<void>;
  /** Units admitted in the current and the previous `horizonMs` interval. */
  recent: { start: number; current: Amounts; previous: Amounts };
}

const zero = (): Amounts => ({ requests: 0, tokens: 0, monthlyTokens: 0 });

export function newLease(now: number): TenantLease {
  const held = () => ({
    balance: 0,
    returnTo: 0,
    voidAt: Number.NEGATIVE_INFINITY,
    resetAt: now,
    left: 0,
    asking: 0,
  });
  return {
    held: { requests: held(), tokens: held(), monthlyTokens: held() },
    grantedAt: Number.NEGATIVE_INFINITY,
    recent: { start: now, current: zero(), previous: zero() },
  };
}

/** Whether `need` can be admitted from the lease alone, without Redis. */
export function fits(
  lease: TenantLease,
  need: Amounts,
  now: number,
  policy: LeasePolicy,
): boolean {
  if (now >= lease.grantedAt + policy.ttlMs) return false;
  return LIMIT_NAMES.every(
    (name) =>
      now < lease.held[name].voidAt && lease.held[name].balance >= need[name],
  );
}

/** Moves the rate intervals on to `now`: an interval more than one horizon old counts as nothing. */
function roll(
  r: TenantLease["recent"],
  now: number,
  policy: LeasePolicy,
): void {
  if (now - r.start < policy.horizonMs) return;
  r.previous = now - r.start < 2 * policy.horizonMs ? r.current : zero();
  r.current = zero();
  r.start = now;
}

/** Counts an admitted request towards the isolate's recent rate. */
export function recordUse(
  lease: TenantLease,
  used: Amounts,
  now: number,
  policy: LeasePolicy,
): void {
  roll(lease.recent, now, policy);
  for (const name of LIMIT_NAMES) lease.recent.current[name] += used[name];
}

/** Admits `need` from the lease (fits() must hold). */
export function takeFromLease(
  lease: TenantLease,
  need: Amounts,
  now: number,
  policy: LeasePolicy,
): void {
  for (const name of LIMIT_NAMES) lease.held[name].balance -= need[name];
  recordUse(lease, need, now, policy);
}

/** The most one isolate holds unused of a limit: `maxFraction` of it, at least 1 unit. */
function leaseCap(limit: number, policy: LeasePolicy): number {
  return Math.max(1, Math.floor(limit * policy.maxFraction));
}

/** The lease each limit should hold now: the recent rate over the horizon, capped. */
export function leaseTarget(
  lease: TenantLease,
  limits: Amounts,
  now: number,
  policy: LeasePolicy,
): Amounts {
  const r = lease.recent;
  roll(r, now, policy);
  const target = zero();
  for (const name of LIMIT_NAMES)
    target[name] = Math.min(
      leaseCap(limits[name], policy),
      Math.max(r.current[name], r.previous[name]),
    );
  return target;
}

/** What to ask beyond the needs, so that balance + extras in flight reach the target. */
export function extraToAsk(lease: TenantLease, target: Amounts): Amounts {
  const extra = zero();
  for (const name of LIMIT_NAMES) {
    const h = lease.held[name];
    extra[name] = Math.max(0, target[name] - Math.max(0, h.balance) - h.asking);
  }
  return extra;
}

/** True when some limit's lease is down to half its target or less: time to top up in the background. */
export function needsTopUp(lease: TenantLease, target: Amounts): boolean {
  return LIMIT_NAMES.some(
    (name) => target[name] > 0 && lease.held[name].balance * 2 <= target[name],
  );
}

/**
 * Empties the lease into a return, for the next grant call: each limit's balance with
 * where it goes. A void balance (a past month's) is dropped, not returned.
 */
export function takeReturns(
  lease: TenantLease,
  now: number,
): { amounts: Amounts; to: Amounts } {
  const amounts = zero();
  const to = zero();
  for (const name of LIMIT_NAMES) {
    const h = lease.held[name];
    if (h.balance > 0 && now < h.voidAt) {
      amounts[name] = h.balance;
      to[name] = h.returnTo;
    }
    h.balance = 0;
  }
  return { amounts, to };
}

/** What a grant call brought back, per limit (lease-script.ts LimitGrant). */
export interface GrantView {
  granted: number;
  left: number;
  returnTo: number;
  resetAt: number;
  voidAt: number;
}

/**
 * Adds a grant to the lease; `used` is what the waiting request took from it at once
 * (zero for a top-up or a refusal). A void balance (a past month's) is dropped first.
 */
export function absorbGrant(
  lease: TenantLease,
  grant: Record<LimitName, GrantView>,
  used: Amounts,
  now: number,
): void {
  for (const name of LIMIT_NAMES) {
    const h = lease.held[name];
    const g = grant[name];
    if (now >= h.voidAt) h.balance = 0;
    h.balance += g.granted - used[name];
    h.returnTo = g.returnTo;
    h.voidAt = g.voidAt;
    h.resetAt = g.resetAt;
    h.left = g.left;
  }
  if (LIMIT_NAMES.some((name) => grant[name].granted > used[name]))
    lease.grantedAt = now;
}

/** Each limit as this isolate sees it: global remaining at the last grant plus what it holds unused. */
export function localView(
  lease: TenantLease,
): Record<LimitName, { remaining: number; resetAt: number }> {
  const view = (h: Held) => ({
    remaining: h.left + Math.max(0, h.balance),
    resetAt: h.resetAt,
  });
  return {
    requests: view(lease.held.requests),
    tokens: view(lease.held.tokens),
    monthlyTokens: view(lease.held.monthlyTokens),
  };
}
