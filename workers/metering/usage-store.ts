/**
 * Where usage lives in Upstash Redis, and the one write that changes it.
 *
 *   usage:event:{event_id}     "1", 7 days     the event has been applied
 *   usage:{tenant_id}:{day}    hash, 400 days  requests, inputs, tokens_computed,
 *                                              tokens_cached, gpu_ms (integers; all
 *                                              lanes), and batch_{same} for batch
 *
 * An event is applied by one Lua script, atomic in Redis: it sets the event's marker
 * with NX and adds the counters only if the marker is new. A write that times out
 * after Redis ran it, a queue message delivered twice, a retry racing the original:
 * each reaches the script again and finds the marker, so nothing is counted twice.
 * The marker outlives the queue's whole retry window (under 3 hours) by days, which
 * also covers an operator replaying the dead-letter queue within a week.
 */
import type { Redis } from "@upstash/redis/cloudflare";
import { counterIncrements, UsageEventSchema, type UsageEvent } from "./usage-event";

export const EVENT_MARKER_TTL_SECONDS = 7 * 24 * 3600;
/** Longer than a year, so a year-over-year report still finds last year's days. */
export const USAGE_DAY_TTL_SECONDS = 400 * 24 * 3600;

export type UsageWriteRedis = Pick<Redis, "eval" | "evalsha">;

export const usageEventKey = (eventId: string) => `usage:event:${eventId}`;
export const usageDayKey = (tenantId: string, day: string) => `usage:${tenantId}:${day}`;

// KEYS[1] the event marker, KEYS[2] the day hash.
// ARGV[1] marker TTL, ARGV[2] day TTL, then counter name/increment pairs.
// SET ... NX answers nil (false in Lua) when the marker already exists.
const APPLY_SCRIPT = `if not redis.call('SET', KEYS[1], '1', 'NX', 'EX', ARGV[1]) then
  return 0
end
for i = 3, #ARGV, 2 do
  redis.call('HINCRBY', KEYS[2], ARGV[i], ARGV[i + 1])
end
redis.call('EXPIRE', KEYS[2], ARGV[2])
return 1`;

let scriptSha1: Promise<string> | undefined;

function applyScriptSha1(): Promise<string> {
  scriptSha1 ??= crypto.subtle.digest("SHA-1", new TextEncoder().encode(APPLY_SCRIPT)).then((digest) =>
    [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, "0")).join(""),
  );
  return scriptSha1;
}

export type ApplyOutcome = "applied" | "duplicate";

/**
 * Adds the event to its tenant's day, exactly once per event id. Throws if Redis
 * cannot be reached (the caller's cue to use the queue) or if the event is malformed
 * (a bug: retrying cannot fix it).
 */
export async function applyUsageEvent(redis: UsageWriteRedis, event: UsageEvent): Promise<ApplyOutcome> {
  const valid = UsageEventSchema.parse(event);
  const keys = [usageEventKey(valid.event_id), usageDayKey(valid.tenant_id, valid.day)];
  const args = [String(EVENT_MARKER_TTL_SECONDS), String(USAGE_DAY_TTL_SECONDS)];
  for (const [field, increment] of counterIncrements(valid)) args.push(field, String(increment));

  // EVALSHA sends 40 bytes instead of the script; only a Redis that has not seen the
  // script yet (fresh, restarted, flushed) answers NOSCRIPT, and then EVAL loads it.
  // NOSCRIPT means the script did not run, so falling back cannot double count.
  const sha1 = await applyScriptSha1();
  const result = await redis.evalsha(sha1, keys, args).catch((error: unknown) => {
    if (error instanceof Error && /NOSCRIPT/i.test(error.message)) return redis.eval(APPLY_SCRIPT, keys, args);
    throw error;
  });
  return Number(result) === 1 ? "applied" : "duplicate";
}
