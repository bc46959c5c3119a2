/**
 * A tenant's usage for a range of UTC days: every day in the range (zeros where
 * nothing was served), then the totals, with dollar estimates from the configured GPU
 * price per second (GPU_PRICE_USD_PER_SECOND, G) and GPU throughput
 * (GPU_TOKENS_PER_SECOND, T):
 *
 *   estimated_cost_usd    = gpu_ms / 1000 × G
 *       what the tenant's computed tokens cost in GPU time, as measured on the pool.
 *   estimated_savings_usd = tokens_cached / T × G
 *       the GPU seconds the cache made unnecessary, at the same price: what those tokens
 *       would have cost had they been embedded again.
 *
 * Batch usage (the Batch API's `batch` lane) is priced at BATCH_PRICE_FACTOR (F) of
 * that: the day's figures are totals over both lanes, `batch` repeats the batch share
 * with its own priced figures, and the totals' dollars are interactive + F × batch.
 *
 * All are rounded to 1e-10 USD (a ten-thousandth of a cent), so they print as exact
 * decimals rather than float noise. Totals are priced from the summed counters, not by
 * adding the rounded daily figures. All days are read in one round trip (one pipeline
 * of HMGETs of the known counters), whatever the range.
 */
import type { Redis } from "@upstash/redis/cloudflare";
import {
  BATCH_COUNTER_PREFIX,
  USAGE_COUNTERS,
  type UsageCounter,
} from "./usage-event";
import { usageDayKey } from "./usage-store";
import type { UsageFigures, UsageReport } from "./usage-report";
import { daysInRange, type UsageRange } from "./usage-range";

export type UsageReadRedis = Pick<Redis, "pipeline">;

export interface UsagePricing {
  /** GPU_PRICE_USD_PER_SECOND */
  gpuUsdPerSecond: number;
  /** GPU_TOKENS_PER_SECOND: what one GPU embeds per second, to value cached tokens. */
  gpuTokensPerSecond: number;
  /** BATCH_PRICE_FACTOR: batch usage costs this fraction of interactive usage. */
  batchPriceFactor: number;
}

/** 1e-10 USD units per dollar. */
const UNITS_PER_USD = 1e10;

const roundUsd = (usd: number) =>
  Math.round(usd * UNITS_PER_USD) / UNITS_PER_USD;

/** GPU milliseconds at the GPU's price per second. */
export function usdForGpuMs(gpuMs: number, pricing: UsagePricing): number {
  return roundUsd((gpuMs / 1000) * pricing.gpuUsdPerSecond);
}

/** The GPU time `tokens` would have taken, at the GPU's price per second. */
export function usdForCachedTokens(
  tokens: number,
  pricing: UsagePricing,
): number {
  return roundUsd(
    (tokens / pricing.gpuTokensPerSecond) * pricing.gpuUsdPerSecond,
  );
}

type Counters = Record<UsageCounter, number>;

/** `all` counts every lane, `batch` the batch lane alone (a part of `all`). */
function priced(
  all: Counters,
  batch: Counters,
  pricing: UsagePricing,
): UsageFigures {
  const f = pricing.batchPriceFactor;
  const cost = (gpuMs: number) => (gpuMs / 1000) * pricing.gpuUsdPerSecond;
  const saved = (tokens: number) =>
    (tokens / pricing.gpuTokensPerSecond) * pricing.gpuUsdPerSecond;
  return {
    ...all,
    estimated_cost_usd: roundUsd(
      cost(all.gpu_ms - batch.gpu_ms) + f * cost(batch.gpu_ms),
    ),
    estimated_savings_usd: roundUsd(
      saved(all.tokens_cached - batch.tokens_cached) +
        f * saved(batch.tokens_cached),
    ),
    batch: {
      ...batch,
      estimated_cost_usd: roundUsd(f * cost(batch.gpu_ms)),
      estimated_savings_usd: roundUsd(f * saved(batch.tokens_cached)),
    },
  };
}

/** The counters under `prefix` in a day hash (missing = 0). */
function countersFrom(
  hash: Record<string, unknown> | null,
  prefix = "",
): Counters {
  const counters = {} as Counters;
  for (const name of USAGE_COUNTERS) {
    // The client parses numeric strings already; Number() covers one that it did not.
    const value = Number(hash?.[`${prefix}${name}`] ?? 0);
    counters[name] = Number.isFinite(value) ? value : 0;
  }
  return counters;
}

const FIELDS = [
  ...USAGE_COUNTERS,
  ...USAGE_COUNTERS.map((name) => `${BATCH_COUNTER_PREFIX}${name}`),
];

export async function readUsage(
  redis: UsageReadRedis,
  tenantId: string,
  range: UsageRange,
  pricing: UsagePricing,
): Promise<UsageReport> {
  const days = daysInRange(range);
  const pipeline = redis.pipeline();
  for (const day of days) pipeline.hmget(usageDayKey(tenantId, day), ...FIELDS);
  const hashes =
    days.length === 0
      ? []
      : await pipeline.exec<(Record<string, unknown> | null)[]>();

  const totals = countersFrom(null);
  const batchTotals = countersFrom(null);
  const data = days.map((date, i) => {
    const counters = countersFrom(hashes[i] ?? null);
    const batch = countersFrom(hashes[i] ?? null, BATCH_COUNTER_PREFIX);
    for (const name of USAGE_COUNTERS) {
      totals[name] += counters[name];
      batchTotals[name] += batch[name];
    }
    return { date, ...priced(counters, batch, pricing) };
  });
  return { object: "list", data, totals: priced(totals, batchTotals, pricing) };
}
