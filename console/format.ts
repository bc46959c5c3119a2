/**
 * Number formats shared by the views, in a fixed locale (en-US) so tests and screenshots
 * read the same everywhere.
 */

const integer = new Intl.NumberFormat("en-US", { maximumFractionDigits: 0 });
const usd = new Intl.NumberFormat("en-US", {
  style: "currency",
  currency: "USD",
  minimumFractionDigits: 2,
  maximumFractionDigits: 6,
});

/** 12345 -> "12,345". */
export function formatInt(n: number): string {
  return integer.format(n);
}

/** 0.0123 -> "$0.0123" (up to 6 decimals: per-day costs are fractions of a cent). */
export function formatUsd(n: number): string {
  return usd.format(n);
}

/** Share of tokens served from the cache, 0..1, or null when no tokens were served. */
export function hitRate(
  tokensComputed: number,
  tokensCached: number,
): number | null {
  const total = tokensComputed + tokensCached;
  return total === 0 ? null : tokensCached / total;
}

/** 0.4567 -> "45.7%"; null -> "–". */
export function formatPercent(share: number | null): string {
  return share === null ? "–" : `${(share * 100).toFixed(1)}%`;
}

/** Unix seconds -> "2025-01-31 12:00 UTC". */
export function formatUnixTime(seconds: number): string {
  return `${new Date(seconds * 1000).toISOString().slice(0, 16).replace("T", " ")} UTC`;
}

/** The UTC day `offsetDays` from today, as YYYY-MM-DD. */
export function utcDay(offsetDays = 0): string {
  return new Date(Date.now() + offsetDays * 86_400_000)
    .toISOString()
    .slice(0, 10);
}
