/**
 * A tenant's usage for a range of UTC days: every day in the range (zeros where
 * nothing was served), then the totals, with dollar estimates at the configured list
 * price P (PRICE_USD_PER_MILLION_TOKENS):
 *
 *   estimated_cost_usd    = (tokens_computed + tokens_cached) × P / 1,000,000
 *       what the tenant is billed: a token served from the cache is billed like one
 *       embedded on a GPU.
 *   estimated_savings_usd = tokens_cached × P / 1,000,000
 *       the GPU work the cache made unnecessary, valued at the same list price: what
 *       those tokens would have cost had they been embedded again.
 *
 * Both are rounded to 1e-10 USD (a ten-thousandth of a cent), so they print as exact
 * decimals rather than float noise. Totals are priced from the summed tokens, not by
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

/** Units of 1e-10 USD per dollar, and per (token × USD per million tokens): 1e10 / 1e6. */
const UNITS_PER_USD = 1e10;
const UNITS_PER_TOKEN_PRICE = 1e4;

/** `tokens × pricePerMillion / 1e6`, rounded to 1e-10 USD. */
export function usdForTokens(tokens: number, priceUsdPerMillionTokens: number): number {
  return Math.round(tokens * priceUsdPerMillionTokens * UNITS_PER_TOKEN_PRICE) / UNITS_PER_USD;
}

function priced(counters: Record<UsageCounter, number>, price: number): UsageFigures {
  return {
    ...counters,
    estimated_cost_usd: usdForTokens(counters.tokens_computed + counters.tokens_cached, price),
    estimated_savings_usd: usdForTokens(counters.tokens_cached, price),
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
  priceUsdPerMillionTokens: number,
): Promise<UsageReport> {
  const days = daysInRange(range);
  const pipeline = redis.pipeline();
  for (const day of days) pipeline.hmget(usageDayKey(tenantId, day), ...USAGE_COUNTERS);
  const hashes = days.length === 0 ? [] : await pipeline.exec<(Record<string, unknown> | null)[]>();

  const totals = countersFrom(null);
  const data = days.map((date, i) => {
    const counters = countersFrom(hashes[i] ?? null);
    for (const name of USAGE_COUNTERS) totals[name] += counters[name];
    return { date, ...priced(counters, priceUsdPerMillionTokens) };
  });
  return { object: "list", data, totals: priced(totals, priceUsdPerMillionTokens) };
}
