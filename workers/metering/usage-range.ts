/**
 * The `from`/`to` of a usage query: inclusive UTC days, `YYYY-MM-DD`. Omitted, `to`
 * is today (UTC) and `from` the first day of `to`'s month, i.e. month to date, the
 * period a monthly quota and invoice cover. At most 366 days are read at once (a leap
 * year), which bounds the pipeline a single request can ask of Redis.
 */
import { invalidRequest } from "../errors/api-error";
import { isUtcDay } from "./usage-event";

export const MAX_USAGE_RANGE_DAYS = 366;
const DAY_MS = 24 * 3600 * 1000;

export interface UsageRange {
  from: string;
  to: string;
}

export function invalidDateError(param: "from" | "to") {
  return invalidRequest(
    `Invalid '${param}': expected a UTC date written YYYY-MM-DD, e.g. 2025-01-31.`,
    param,
    "invalid_date",
  );
}

const epochDay = (day: string) => Date.parse(`${day}T00:00:00Z`) / DAY_MS;

/** Validates and completes a query's dates; throws a 400 ApiError naming the bad param. */
export function usageRangeFrom(
  query: { from?: string | undefined; to?: string | undefined },
  today: string,
): UsageRange {
  if (query.from !== undefined && !isUtcDay(query.from))
    throw invalidDateError("from");
  if (query.to !== undefined && !isUtcDay(query.to))
    throw invalidDateError("to");
  const to = query.to ?? today;
  const from = query.from ?? `${to.slice(0, 8)}01`;
  const days = epochDay(to) - epochDay(from) + 1;
  if (days < 1)
    throw invalidRequest(
      `'from' (${from}) is after 'to' (${to}).`,
      "from",
      "invalid_date_range",
    );
  if (days > MAX_USAGE_RANGE_DAYS) {
    throw invalidRequest(
      `The range ${from} to ${to} spans ${days} days; at most ${MAX_USAGE_RANGE_DAYS} can be read at once.`,
      "from",
      "invalid_date_range",
    );
  }
  return { from, to };
}

/** Every day from `from` to `to`, both included, in order. */
export function daysInRange(range: UsageRange): string[] {
  // Routes validate first; this guards other callers against an unbounded loop.
  const span = epochDay(range.to) - epochDay(range.from) + 1;
  if (
    !isUtcDay(range.from) ||
    !isUtcDay(range.to) ||
    span > MAX_USAGE_RANGE_DAYS
  ) {
    throw new RangeError(
      "usage range must be valid UTC days at most 366 apart",
    );
  }
  const days: string[] = [];
  for (let day = epochDay(range.from); day <= epochDay(range.to); day++) {
    days.push(new Date(day * DAY_MS).toISOString().slice(0, 10));
  }
  return days;
}
