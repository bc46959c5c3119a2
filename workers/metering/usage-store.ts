/**
 * Where usage lives in Upstash Redis, and the one write that changes it.
 *
 *   usage:event:{event_id}     "1", 7 days     the event has been applied
 *   usage:{tenant_id}:{day}    hash, 400 days  requests, inputs, tokens_computed,
 *                                              tokens_cached, gpu_ms (integers; all
 *                                              lanes), and batch_{same} for batch
 *
 * Events are applied by one Lua script, atomic in Redis, a whole batch per call (the
 * isolate's group commit, usage-recorder.ts): for each event it sets the event's marker
 * with NX and adds the counters only if the marker is new. A write that times out
 * after Redis ran it, a queue message delivered twice, a retry racing the original:
 * each reaches the script again and finds the marker, so nothing is counted twice.
 * The marker outlives the queue's whole retry window (under 3 hours) by days, which
 * also covers an operator replaying the dead-letter queue within a week.
 */
import { luaScript, runScript, type ScriptRedis } from "../upstash/lua-script";
import {
  counterIncrements,
  UsageEventSchema,
  type UsageEvent,
} from "./usage-event";

export const EVENT_MARKER_TTL_SECONDS = 7 * 24 * 3600;
/** Longer than a year, so a year-over-year report still finds last year's days. */
export const USAGE_DAY_TTL_SECONDS = 400 * 24 * 3600;

export type UsageWriteRedis = ScriptRedis;

export const usageEventKey = (eventId: string) => `usage:event:${eventId}`;
export const usageDayKey = (tenantId: string, day: string) =>
  `usage:${tenantId}:${day}`;

// Applies a batch of events. For event i (1-based): KEYS[2i-1] its marker, KEYS[2i]
// its day hash. ARGV[1] marker TTL, ARGV[2] day TTL, then per event in order: its number
// of counters n, then n counter name / increment pairs (a batch-lane event also names its
// batch_* counters: usage-event.ts counterIncrements). SET ... NX answers nil (false in
// Lua) when the marker already exists, so that event adds nothing. Answers one 1
// (applied) or 0 (duplicate) per event, in order.
export const APPLY_SCRIPT = `local p = 3
local applied = {}
for i = 1, #KEYS / 2 do
  local n = tonumber(ARGV[p])
  p = p + 1
  if redis.call('SET', KEYS[2 * i - 1], '1', 'NX', 'EX', ARGV[1]) then
    for c = 0, n - 1 do
      redis.call('HINCRBY', KEYS[2 * i], ARGV[p + 2 * c], ARGV[p + 2 * c + 1])
    end
    redis.call('EXPIRE', KEYS[2 * i], ARGV[2])
    applied[i] = 1
  else
    applied[i] = 0
  end
  p = p + 2 * n
end
return applied`;

/** SHA-1 of APPLY_SCRIPT (checked offline by test/unit/upstash/lua-scripts.test.ts). */
export const APPLY_SCRIPT_SHA1 = "ea5586465127bce8150a88a552db85ba5170bcb9";
const applyScript = luaScript(APPLY_SCRIPT, APPLY_SCRIPT_SHA1);

export type ApplyOutcome = "applied" | "duplicate";

/**
 * Adds the event to its tenant's day, exactly once per event id. Throws if Redis
 * cannot be reached (the caller's cue to use the queue) or if the event is malformed
 * (a bug: retrying cannot fix it).
 */
export async function applyUsageEvent(
  redis: UsageWriteRedis,
  event: UsageEvent,
): Promise<ApplyOutcome> {
  const [outcome] = await applyUsageEvents(redis, [event]);
  return outcome!;
}

/**
 * Adds every event to its tenant's day, each exactly once per event id, in ONE Redis
 * command (EVALSHA; EVAL once if Redis lacks the script): the group commit of usage.
 * Answers one outcome per event, in order; an id repeated within the batch is applied
 * once. All or nothing: the script runs atomically, and a call that throws either did
 * not run or ran whole, which a retry of the same events then finds (markers). Throws
 * like applyUsageEvent.
 */
export async function applyUsageEvents(
  redis: UsageWriteRedis,
  events: readonly UsageEvent[],
): Promise<ApplyOutcome[]> {
  if (events.length === 0) return [];
  const valid = events.map((event) => UsageEventSchema.parse(event));
  const keys = valid.flatMap((event) => [
    usageEventKey(event.event_id),
    usageDayKey(event.tenant_id, event.day),
  ]);
  const args = [
    String(EVENT_MARKER_TTL_SECONDS),
    String(USAGE_DAY_TTL_SECONDS),
  ];
  for (const event of valid) {
    const increments = counterIncrements(event);
    args.push(String(increments.length));
    for (const [field, increment] of increments)
      args.push(field, String(increment));
  }

  // NOSCRIPT, then EVAL: the script did not run the first time, so nothing counts twice.
  const result = await runScript(redis, applyScript, keys, args);
  if (!Array.isArray(result) || result.length !== valid.length)
    throw new Error("usage batch script answered an unexpected shape");
  return result.map((flag) => (Number(flag) === 1 ? "applied" : "duplicate"));
}
