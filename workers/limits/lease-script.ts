/**
 * The one Redis script that grants an isolate a lease of a tenant's budget: requests
 * per minute, tokens per minute and monthly tokens, all-or-nothing for what the waiting
 * request needs plus up to a lease size more, in ONE command (EVALSHA), after taking
 * back what the isolate returns from its previous lease.
 *
 * Storage is @upstash/ratelimit 2.2's token bucket layout (a hash {refilledAt, tokens}
 * per tenant and limit, refilled to the full limit once per 60 s window counted from the
 * tenant's first request; dist/index.js `tokenBucketLimitScript`), on the same keys the
 * library used here before, so a deploy keeps each tenant's current window; and the
 * monthly counter of monthly-quota.ts. The library cannot be used for the grant itself:
 * one of its calls checks one limit, takes exactly what it is asked, and cannot grant
 * "at least n, at most m" across three limits atomically.
 *
 * A grant is recorded where it counts: it is taken from the buckets and added to the
 * month's counter at once, so what isolates hold unused is already spent globally (this
 * is what bounds overshoot). A return carries the window (bucket `refilledAt`) it was
 * granted in and is only credited to that same window: a lease from a window that has
 * since refilled can never add capacity to the next one.
 */
import { nextUtcMonthStart, quotaKey, runScript } from "./monthly-quota";
import { TIMED_OUT, WINDOW_MS, withTimeout, type CheckOutcome, type LimitsRedis } from "./limits-redis";

// KEYS[1] requests bucket, KEYS[2] tokens bucket, KEYS[3] the month's counter.
// ARGV[1] now (ms), ARGV[2] window (ms), ARGV[3] seconds the month's counter is kept;
// then for requests (4..8) and tokens (9..13): limit, need, want, returned, window of
// the returned units; for the month (14..17): quota, need, want, returned (the caller
// only returns units granted in this same month).
// Reply: {granted (1|0), requests granted, requests left, requests refilledAt,
// tokens granted, tokens left, tokens refilledAt, month granted, month used}.
export const LEASE_SCRIPT = `local now = tonumber(ARGV[1])
local window = tonumber(ARGV[2])
local function bucket(key, a)
  local limit, ret, retWindow = tonumber(ARGV[a]), tonumber(ARGV[a + 3]), tonumber(ARGV[a + 4])
  local b = redis.call("HMGET", key, "refilledAt", "tokens")
  local s = {key = key, need = tonumber(ARGV[a + 1]), want = tonumber(ARGV[a + 2]), refilledAt = now, left = limit, dirty = true}
  if b[1] then
    s.refilledAt, s.left, s.dirty = tonumber(b[1]), math.min(limit, tonumber(b[2])), false
    if now >= s.refilledAt + window then
      s.refilledAt = s.refilledAt + math.floor((now - s.refilledAt) / window) * window
      s.left, s.dirty = limit, true
    end
    if ret > 0 and retWindow == s.refilledAt then
      s.left, s.dirty = math.min(limit, s.left + ret), true
    end
  end
  return s
end
local r, t = bucket(KEYS[1], 4), bucket(KEYS[2], 9)
local quota, mNeed, mWant, mRet = tonumber(ARGV[14]), tonumber(ARGV[15]), tonumber(ARGV[16]), tonumber(ARGV[17])
local used = tonumber(redis.call("GET", KEYS[3]) or "0")
local mDelta = -math.min(mRet, used)
used = used + mDelta
local ok = r.left >= r.need and t.left >= t.need and quota - used >= mNeed
local mGrant = 0
for _, s in ipairs({r, t}) do
  s.grant = 0
  if ok then s.grant = math.min(s.want, s.left) end
  s.left = s.left - s.grant
  if s.dirty or s.grant > 0 then
    redis.call("HSET", s.key, "refilledAt", s.refilledAt, "tokens", s.left)
    redis.call("PEXPIRE", s.key, math.max(1, s.refilledAt + window - now))
  end
end
if ok then mGrant = math.max(0, math.min(mWant, quota - used)) end
mDelta = mDelta + mGrant
if mDelta ~= 0 then
  used = redis.call("INCRBY", KEYS[3], mDelta)
  redis.call("EXPIRE", KEYS[3], ARGV[3])
end
return {ok and 1 or 0, r.grant, r.left, r.refilledAt, t.grant, t.left, t.refilledAt, mGrant, used}`;
/** SHA-1 of LEASE_SCRIPT, fixed so EVALSHA is queued without async hashing (a test checks it). */
export const LEASE_SCRIPT_SHA1 = "5d0d68f3643f4f86f44109a89786cbb5ab1dba8c";

/** What one limit asks of the script: at least `need` (all-or-nothing), at most `want`, after taking back `returned`. */
export interface LimitAsk {
  limit: number;
  need: number;
  want: number;
  returned: number;
  /** Window (bucket refilledAt, ms) the returned units were granted in; for the month, ignored (0). */
  returnedWindow: number;
}

export interface LeaseCall {
  prefix: string;
  tenantId: string;
  /** ms epoch on the admission's clock: the buckets' windows and the calendar month. */
  at: number;
  timeoutMs: number;
  requests: LimitAsk;
  tokens: LimitAsk;
  monthlyTokens: LimitAsk;
}

/** One limit's answer: what was granted and the global state after the grant. */
export interface LimitGrant {
  granted: number;
  /** Units left globally after this grant (not counting what isolates hold). */
  left: number;
  /** Start of the window (buckets) or of the month, ms. */
  windowStart: number;
  /** When the limit is whole again: window end, or the next UTC month's start. */
  resetAt: number;
}

export interface LeaseGrant {
  /** False: some limit could not give `need`; nothing was granted (returns were still taken). */
  granted: boolean;
  requests: LimitGrant;
  tokens: LimitGrant;
  monthlyTokens: LimitGrant;
}

export type LeaseOutcome = CheckOutcome<LeaseGrant>;

/** Runs the lease script once; "unavailable" on a Redis error or after `timeoutMs` (its result is then dropped). */
export async function requestLease(redis: LimitsRedis, call: LeaseCall, keepSeconds: number): Promise<LeaseOutcome> {
  const keys = [`${call.prefix}:requests:${call.tenantId}`, `${call.prefix}:tokens:${call.tenantId}`, quotaKey(call.prefix, call.tenantId, call.at)];
  const limit = (a: LimitAsk) => [a.limit, a.need, a.want, a.returned, a.returnedWindow];
  const m = call.monthlyTokens;
  const args = [call.at, WINDOW_MS, keepSeconds, ...limit(call.requests), ...limit(call.tokens), m.limit, m.need, m.want, m.returned];
  try {
    const reply = await withTimeout(runScript(redis, LEASE_SCRIPT, LEASE_SCRIPT_SHA1, keys, args), call.timeoutMs);
    if (reply === TIMED_OUT) return { status: "unavailable", cause: "timeout" };
    const grant = parseReply(reply, call);
    return { status: grant.granted ? "allowed" : "refused", state: grant };
  } catch (error) {
    return { status: "unavailable", cause: "error", error };
  }
}

function parseReply(reply: unknown, call: LeaseCall): LeaseGrant {
  const n = Array.isArray(reply) && reply.length === 9 ? reply.map(Number) : [];
  if (n.length !== 9 || n.some((x) => !Number.isFinite(x)) || (n[0] !== 0 && n[0] !== 1)) throw new Error("unexpected reply from the lease script");
  const [ok, rGrant, rLeft, rStart, tGrant, tLeft, tStart, mGrant, mUsed] = n as [number, number, number, number, number, number, number, number, number];
  const month = new Date(call.at);
  return {
    granted: ok === 1,
    requests: { granted: rGrant, left: rLeft, windowStart: rStart, resetAt: rStart + WINDOW_MS },
    tokens: { granted: tGrant, left: tLeft, windowStart: tStart, resetAt: tStart + WINDOW_MS },
    monthlyTokens: {
      granted: mGrant,
      left: call.monthlyTokens.limit - mUsed,
      windowStart: Date.UTC(month.getUTCFullYear(), month.getUTCMonth(), 1),
      resetAt: nextUtcMonthStart(call.at),
    },
  };
}
