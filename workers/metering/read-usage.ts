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
 * Both are rounded to 1e-10 USD (a ten-thousandth of a cent), so they print as exact
 * decimals rather than float noise. Totals are priced from the summed counters, not by
 * adding the rounded daily figures. All days are read in one round trip (one pipeline
 * of HMGETs of the known counters), whatever the range.
 */
import type { Redis } from "@upstash/redis/cloudflare";
import { USAGE_COUNTERS, type UsageCounter } from "./usage-event";
import { usageDayKey } from "./usage-store";
import { daysInRange, type UsageRange } from "./usage-range";

export type UsageReadRedis = Pick<Redis, "pipeline">;

export type UsageFigures = Record<UsageCounter, number> & {
  estimated_cost_usd: number;
  estimated_savings_usd: number;
};

export type UsageDay = { date: string } & UsageFigures;

export interface UsageReport {
  object: "list";
  data: UsageDay[];
  totals: UsageFigures;
}

export interface UsagePricing {
  /** GPU_PRICE_USD_PER_SECOND */
  gpuUsdPerSecond: number;
  /** GPU_TOKENS_PER_SECOND: what one GPU embeds per second, to value cached tokens. */
  gpuTokensPerSecond: number;
}

/** 1e-10 USD units per dollar. */
const UNITS_PER_USD = 1e10;

const roundUsd = (usd: number) => Math.round(usd * UNITS_PER_USD) / UNITS_PER_USD;

/** GPU milliseconds at the GPU's price per second. */
export function usdForGpuMs(gpuMs: number, pricing: UsagePricing): number {
  return roundUsd((gpuMs / 1000) * pricing.gpuUsdPerSecond);
}

/** The GPU time `tokens` would have taken, at the GPU's price per second. */
export function usdForCachedTokens(tokens: number, pricing: UsagePricing): number {
  return roundUsd((tokens / pricing.gpuTokensPerSecond) * pricing.gpuUsdPerSecond);
}

function priced(counters: Record<UsageCounter, number>, pricing: UsagePricing): UsageFigures {
  return {
    ...counters,
    estimated_cost_usd: usdForGpuMs(counters.gpu_ms, pricing),
    estimated_savings_usd: usdForCachedTokens(counters.tokens_cached, pricing),
  };
}

function countersFrom(hash: Record<string, unknown> | null): Record<UsageCounter, number> {
  const counters = {} as Record<UsageCounter, number>;
  for (const name of USAGE_COUNTERS) {
    // The client parses numeric strings already; Number() covers one that it did not.
    const value = Number(hash?.[name] ?? 0);
    counters[name] = Number.isFinite(value) ? value : 0;
  }
  return counters;
}

export async function readUsage(
  redis: UsageReadRedis,
  tenantId: string,
  range: UsageRange,
  pricing: UsagePricing,
): Promise<UsageReport> {
  const days = daysInRange(range);
  const pipeline = redis.pipeline();
  for (const day of days) pipeline.hmget(usageDayKey(tenantId, day), ...USAGE_COUNTERS);
  const hashes = days.length === 0 ? [] : await pipeline.exec<(Record<string, unknown> | null)[]>();

  const totals = countersFrom(null);
  const data = days.map((date, i) => {
    const counters = countersFrom(hashes[i] ?? null);
    for (const name of USAGE_COUNTERS) totals[name] += counters[name];
    return { date, ...priced(counters, pricing) };
  });
  return { object: "list", data, totals: priced(totals, pricing) };
}
