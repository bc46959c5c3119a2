/**
 * The monthly token quota: one counter per tenant per UTC calendar month in Redis,
 * checked and incremented by one Lua script.
 *
 * Why a script rather than INCRBY-then-compensate: INCRBY first would briefly count a
 * request that is then refused and decremented, so a concurrent request near the quota
 * could be refused although it fits (a false 429), and a lost compensation (Redis gone
 * between the two calls) would charge the tenant for nothing. The script reads, decides
 * and increments atomically; a refusal writes nothing, and it is one command
 * (EVALSHA). Admission grants monthly tokens through lease-script.ts on the same
 * counter; indexing jobs charge it here, on exact counts.
 */
import { luaScript, runScript } from "../upstash/lua-script";
import { withTimeout } from "../timeout/with-timeout";
import {
  unavailable,
  type CheckOutcome,
  type LimitsRedis,
} from "./limits-redis";

// KEYS[1] the month's counter. ARGV: quota, tokens, seconds the counter is kept.
// Returns {1, used after} when admitted, {0, used} when refused. The expiry is relative
// (EXPIRE, not EXPIREAT) so that it follows the caller's calendar clock, not Redis's.
export const CONSUME_SCRIPT = `local used = tonumber(redis.call("GET", KEYS[1]) or "0")
local tokens = tonumber(ARGV[2])
if used + tokens > tonumber(ARGV[1]) then
  return {0, used}
end
used = redis.call("INCRBY", KEYS[1], tokens)
redis.call("EXPIRE", KEYS[1], ARGV[3])
return {1, used}`;
/** SHA-1 of CONSUME_SCRIPT, fixed so that EVALSHA needs no async hashing before it is queued (a test checks it). */
export const CONSUME_SCRIPT_SHA1 = "dbec4a0572127a6c26470a1baae0470ad163352b";

// KEYS[1] the month's counter, KEYS[2] the event's marker. ARGV: tokens, seconds the
// counter is kept, marker TTL (seconds). Adds once per event id; returns 1 if it added.
export const CHARGE_ONCE_SCRIPT = `if not redis.call("SET", KEYS[2], "1", "NX", "EX", ARGV[3]) then
  return 0
end
redis.call("INCRBY", KEYS[1], ARGV[1])
redis.call("EXPIRE", KEYS[1], ARGV[2])
return 1`;
export const CHARGE_ONCE_SCRIPT_SHA1 =
  "eea87f544ef49336b67471e2626710d58403d996";
const CONSUME = luaScript(CONSUME_SCRIPT, CONSUME_SCRIPT_SHA1);
const CHARGE_ONCE = luaScript(CHARGE_ONCE_SCRIPT, CHARGE_ONCE_SCRIPT_SHA1);

/** Counters outlive their month by this long, for support questions; then Redis drops them. */
const RETENTION_AFTER_MONTH_S = 31 * 24 * 3600;
/** Event markers outlive any redelivery (Cloudflare Queues keep a message at most 14 days). */
const EVENT_MARKER_TTL_S = 40 * 24 * 3600;

export interface QuotaState {
  quota: number;
  used: number;
  /** ms epoch of the next UTC month's start, when `used` starts again from 0. */
  resetAt: number;
}

export type QuotaOutcome = CheckOutcome<QuotaState>;

/** `2026-06` for any instant in June 2026, UTC. */
export function utcMonth(at: number): string {
  const d = new Date(at);
  return `${d.getUTCFullYear()}-${String(d.getUTCMonth() + 1).padStart(2, "0")}`;
}

export function nextUtcMonthStart(at: number): number {
  const d = new Date(at);
  return Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 1);
}

export function quotaKey(prefix: string, tenantId: string, at: number): string {
  return `${prefix}:monthly-tokens:${tenantId}:${utcMonth(at)}`;
}

/** Seconds from `now` until the counter of `at`'s month may go (at least a minute, for late settlements). */
export function keepSeconds(at: number, now: number): number {
  return Math.max(
    60,
    Math.ceil((nextUtcMonthStart(at) - now) / 1000) + RETENTION_AFTER_MONTH_S,
  );
}

export interface QuotaCall {
  prefix: string;
  tenantId: string;
  quota: number;
  /** The calendar instant the request is charged to. */
  at: number;
  timeoutMs: number;
}

/**
 * Adds `tokens` to the month's counter if they fit under the quota. Like
 * requestLease (lease-script.ts), it queues its command before its first await.
 */
export async function consumeMonthlyQuota(
  redis: LimitsRedis,
  call: QuotaCall,
  tokens: number,
): Promise<QuotaOutcome> {
  const keys = [quotaKey(call.prefix, call.tenantId, call.at)];
  const run = runScript(redis, CONSUME, keys, [
    call.quota,
    tokens,
    keepSeconds(call.at, call.at),
  ]);
  try {
    const reply = await withTimeout("monthly quota", call.timeoutMs, run);
    const [admitted, used] = parseReply(reply);
    return {
      status: admitted ? "allowed" : "refused",
      state: { quota: call.quota, used, resetAt: nextUtcMonthStart(call.at) },
    };
  } catch (error) {
    return unavailable(error);
  }
}

function parseReply(reply: unknown): [boolean, number] {
  if (Array.isArray(reply) && reply.length === 2) {
    const [flag, used] = reply.map(Number);
    if ((flag === 0 || flag === 1) && Number.isFinite(used))
      return [flag === 1, used as number];
  }
  throw new Error("unexpected reply from the monthly quota script");
}

/**
 * Adds `tokens` to the month of `at` without checking the quota, at most once per
 * `eventId`: for requests admitted while Redis was unreachable, settled later (the
 * metering retry path may deliver an event twice).
 */
export async function chargeMonthlyQuotaOnce(
  redis: LimitsRedis,
  call: {
    prefix: string;
    tenantId: string;
    at: number;
    eventId: string;
    now: number;
  },
  tokens: number,
): Promise<boolean> {
  const counter = quotaKey(call.prefix, call.tenantId, call.at);
  const marker = `${call.prefix}:monthly-tokens-event:${call.tenantId}:${call.eventId}`;
  const args = [tokens, keepSeconds(call.at, call.now), EVENT_MARKER_TTL_S];
  const reply = await runScript(redis, CHARGE_ONCE, [counter, marker], args);
  return Number(reply) === 1;
}
