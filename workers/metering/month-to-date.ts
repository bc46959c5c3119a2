/**
 * Month-to-date usage of several tenants at once: the daily counters (usage-store.ts)
 * of every UTC day from the 1st of today's month to today, summed per tenant. One
 * pipeline of HMGETs (tenants × days, at most 100 × 31) is one round trip, which is what
 * lets the admin tenant list show every listed tenant's month. The figures are the same
 * counters `GET /v1/usage` reports, over the same default range (usage-range.ts), so
 * the two always agree.
 */
import { daysInRange } from "./usage-range";
import { usageDayKey } from "./usage-store";
import type { UsageReadRedis } from "./read-usage";
import { USAGE_COUNTERS, type UsageCounter } from "./usage-event";

/** A tenant's usage from the 1st of the month to `to`, both UTC days, included. */
export interface MonthToDate {
  /** `YYYY-MM`. */
  month: string;
  from: string;
  to: string;
  requests: number;
  inputs: number;
  tokens_computed: number;
  tokens_cached: number;
  /** tokens_computed + tokens_cached: what the monthly quota counts. */
  tokens: number;
  gpu_ms: number;
}

/** The month-to-date figures of each tenant, in the order given; `today` is `YYYY-MM-DD` (UTC). */
export async function readMonthToDate(
  redis: UsageReadRedis,
  tenantIds: readonly string[],
  today: string,
): Promise<MonthToDate[]> {
  const range = { from: `${today.slice(0, 8)}01`, to: today };
  const days = daysInRange(range);
  if (tenantIds.length === 0) return [];
  const pipeline = redis.pipeline();
  for (const tenantId of tenantIds) {
    for (const day of days)
      pipeline.hmget(usageDayKey(tenantId, day), ...USAGE_COUNTERS);
  }
  const hashes = await pipeline.exec<(Record<string, unknown> | null)[]>();
  return tenantIds.map((_, t) => {
    const sums = Object.fromEntries(
      USAGE_COUNTERS.map((name) => [name, 0]),
    ) as Record<UsageCounter, number>;
    for (let d = 0; d < days.length; d++) {
      const hash = hashes[t * days.length + d] ?? null;
      for (const name of USAGE_COUNTERS) {
        // The client parses numeric strings already; Number() covers one that it did not.
        const value = Number(hash?.[name] ?? 0);
        sums[name] += Number.isFinite(value) ? value : 0;
      }
    }
    return {
      month: today.slice(0, 7),
      ...range,
      requests: sums.requests,
      inputs: sums.inputs,
      tokens_computed: sums.tokens_computed,
      tokens_cached: sums.tokens_cached,
      tokens: sums.tokens_computed + sums.tokens_cached,
      gpu_ms: sums.gpu_ms,
    };
  });
}
