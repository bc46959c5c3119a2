/**
 * The one Redis script that grants an isolate a lease of a tenant's budget: requests
 * per minute, tokens per minute and monthly tokens, all-or-nothing for what the waiting
 * request needs plus up to a lease size more, in ONE command (EVALSHA), after taking
 * back what the isolate returns from its previous lease.
 *
 * Per-minute limits are sliding windows of one-second slots: a hash per tenant and limit
 * maps a slot (ceil(ms / 1000)) to the units granted in it, and a grant at `now` is
 * allowed while the slots that overlap (now - 60 s, now] (61 slots, or 60 on a whole
 * second) hold at most the limit. So no 60 s window, wherever it starts, is granted more
 * than the limit; the price is that capacity comes back up to one second late (reset
 * and Retry-After up to 61 s). @upstash/ratelimit's algorithms were not kept: its token
 * bucket refills the whole limit at once, so a burst at the end of one window and
 * another at the start of the next admit up to twice the limit within 60 s (the
 * overshoot benchmark measured 669 for a 600/min limit), and its sliding window
 * approximates the previous window by weight; neither grants "at least n, at most m"
 * across three limits atomically. The monthly limit is monthly-quota.ts's counter.
 *
 * A grant is recorded where it counts: in the slot of `now` and in the month's counter
 * at once, so what isolates hold unused is already spent globally (this is what bounds
 * overshoot). A return is credited to the slot of the isolate's last grant, at most what
 * that slot holds, and not at all once that slot has left the window.
 */
import { luaScript, runScript } from "../upstash/lua-script";
import { nextUtcMonthStart, quotaKey } from "./monthly-quota";
import { withTimeout } from "../timeout/with-timeout";
import {
  unavailable,
  WINDOW_MS,
  type CheckOutcome,
  type LimitsRedis,
} from "./limits-redis";

/** Granularity of the per-minute windows, ms. */
const SLOT_MS = 1_000;

// KEYS[1] requests slots, KEYS[2] tokens slots (hashes slot -> units), KEYS[3] the month's counter.
// ARGV[1] now (ms), ARGV[2] window (ms), ARGV[3] slot (ms), ARGV[4] seconds the month's
// counter is kept; then for requests (5..9) and tokens (10..14): limit, need, want,
// returned, slot to return to; for the month (15..18): quota, need, want, returned (the
// caller only returns units granted in this same month).
// Reply: {granted (1|0), then per bucket: granted, left, slot of now, resetAt, retryAt;
// then month granted, month used}. resetAt: when every counted unit has left the window;
// retryAt: when enough has left for `need`.
export const LEASE_SCRIPT = `local now, window, slotMs = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3])
local newest = math.ceil(now / slotMs)
local oldest = math.floor((now - window) / slotMs) + 1
local function bucket(key, a)
  local s = {key = key, limit = tonumber(ARGV[a]), need = tonumber(ARGV[a + 1]), want = tonumber(ARGV[a + 2]), counts = {}, used = 0}
  local ret, retSlot = tonumber(ARGV[a + 3]), tonumber(ARGV[a + 4])
  local flat, stale = redis.call("HGETALL", key), {}
  for i = 1, #flat, 2 do
    local k = tonumber(flat[i])
    if k < oldest then
      stale[#stale + 1] = flat[i]
    else
      s.counts[k] = tonumber(flat[i + 1])
      s.used = s.used + s.counts[k]
    end
  end
  if #stale > 0 then redis.call("HDEL", key, unpack(stale)) end
  local back = math.min(ret, s.counts[retSlot] or 0)
  if back > 0 then
    s.counts[retSlot] = s.counts[retSlot] - back
    s.used = s.used - back
    if s.counts[retSlot] == 0 then redis.call("HDEL", key, retSlot) else redis.call("HINCRBY", key, retSlot, -back) end
  end
  return s
end
local r, t = bucket(KEYS[1], 5), bucket(KEYS[2], 10)
local quota, mNeed, mWant, mRet = tonumber(ARGV[15]), tonumber(ARGV[16]), tonumber(ARGV[17]), tonumber(ARGV[18])
local used = tonumber(redis.call("GET", KEYS[3]) or "0")
local mDelta = -math.min(mRet, used)
used = used + mDelta
local ok = r.limit - r.used >= r.need and t.limit - t.used >= t.need and quota - used >= mNeed
local reply = {ok and 1 or 0}
for _, s in ipairs({r, t}) do
  local grant = 0
  if ok then grant = math.min(s.want, s.limit - s.used) end
  if grant > 0 then
    s.counts[newest] = (s.counts[newest] or 0) + grant
    s.used = s.used + grant
    redis.call("HINCRBY", s.key, newest, grant)
    redis.call("PEXPIRE", s.key, window + slotMs)
  end
  local slots = {}
  for k, c in pairs(s.counts) do
    if c > 0 then slots[#slots + 1] = k end
  end
  table.sort(slots)
  local resetAt, retryAt, free = now, now, s.limit - s.used
  if #slots > 0 then resetAt = slots[#slots] * slotMs + window end
  for _, k in ipairs(slots) do
    if free >= s.need then break end
    free = free + s.counts[k]
    retryAt = k * slotMs + window
  end
  for _, v in ipairs({grant, s.limit - s.used, newest, resetAt, retryAt}) do reply[#reply + 1] = v end
end
local mGrant = 0
if ok then mGrant = math.max(0, math.min(mWant, quota - used)) end
mDelta = mDelta + mGrant
if mDelta ~= 0 then
  used = redis.call("INCRBY", KEYS[3], mDelta)
  redis.call("EXPIRE", KEYS[3], ARGV[4])
end
reply[#reply + 1] = mGrant
reply[#reply + 1] = used
return reply`;
/** SHA-1 of LEASE_SCRIPT, fixed so EVALSHA is queued without async hashing (a test checks it). */
export const LEASE_SCRIPT_SHA1 = "0236f74ba5587871a8832cb732e5ca1c6cd0d014";
const LEASE = luaScript(LEASE_SCRIPT, LEASE_SCRIPT_SHA1);

/** What one limit asks of the script: at least `need` (all-or-nothing), at most `want`, after taking back `returned`. */
export interface LimitAsk {
  limit: number;
  need: number;
  want: number;
  returned: number;
  /** Slot of the isolate's last grant, where the returned units are credited; for the month, ignored (0). */
  returnTo: number;
}

export interface LeaseCall {
  prefix: string;
  tenantId: string;
  /** ms epoch on the admission's clock: the sliding windows' slots and the calendar month. */
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
  /** Where a later return of this grant goes: the slot of the grant (per-minute limits) or the month's start (ms). */
  returnTo: number;
  /** When the limit is whole again (every counted unit out of the window), or the next UTC month's start. */
  resetAt: number;
  /** When enough has left the window for the request's need (a refusal's Retry-After); the month: its reset. */
  retryAt: number;
  /** From then on an unused balance of this grant is void: never for per-minute limits (they slide), the month's end for the month. */
  voidAt: number;
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
export async function requestLease(
  redis: LimitsRedis,
  call: LeaseCall,
  keepSeconds: number,
): Promise<LeaseOutcome> {
  const keys = [
    slotsKey(call.prefix, "requests", call.tenantId),
    slotsKey(call.prefix, "tokens", call.tenantId),
    quotaKey(call.prefix, call.tenantId, call.at),
  ];
  const limit = (a: LimitAsk) => [
    a.limit,
    a.need,
    a.want,
    a.returned,
    a.returnTo,
  ];
  const m = call.monthlyTokens;
  const args = [
    call.at,
    WINDOW_MS,
    SLOT_MS,
    keepSeconds,
    ...limit(call.requests),
    ...limit(call.tokens),
    m.limit,
    m.need,
    m.want,
    m.returned,
  ];
  try {
    const reply = await withTimeout(
      "rate-limit lease",
      call.timeoutMs,
      runScript(redis, LEASE, keys, args),
    );
    const grant = parseReply(reply, call);
    return { status: grant.granted ? "allowed" : "refused", state: grant };
  } catch (error) {
    return unavailable(error);
  }
}

/** The hash of one per-minute limit's slots. */
function slotsKey(
  prefix: string,
  kind: "requests" | "tokens",
  tenantId: string,
): string {
  return `${prefix}:${kind}-slots:${tenantId}`;
}

function parseReply(reply: unknown, call: LeaseCall): LeaseGrant {
  const n =
    Array.isArray(reply) && reply.length === 13 ? reply.map(Number) : [];
  if (
    n.length !== 13 ||
    n.some((x) => !Number.isFinite(x)) ||
    (n[0] !== 0 && n[0] !== 1)
  )
    throw new Error("unexpected reply from the lease script");
  const bucket = (i: number): LimitGrant => ({
    granted: n[i]!,
    left: n[i + 1]!,
    returnTo: n[i + 2]!,
    resetAt: n[i + 3]!,
    retryAt: n[i + 4]!,
    voidAt: Number.POSITIVE_INFINITY,
  });
  const month = new Date(call.at);
  const monthEnd = nextUtcMonthStart(call.at);
  return {
    granted: n[0] === 1,
    requests: bucket(1),
    tokens: bucket(6),
    monthlyTokens: {
      granted: n[11]!,
      left: call.monthlyTokens.limit - n[12]!,
      returnTo: Date.UTC(month.getUTCFullYear(), month.getUTCMonth(), 1),
      resetAt: monthEnd,
      retryAt: monthEnd,
      voidAt: monthEnd,
    },
  };
}
