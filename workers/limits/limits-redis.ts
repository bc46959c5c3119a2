/**
 * What the limits need from Redis and how they report a call's outcome: the narrow
 * client type, the check outcome shared by the lease and the monthly quota, the
 * per-minute window, and the time budget of a call.
 */
import type { ScriptRedis } from "../upstash/lua-script";

/** The Redis commands the limits use: EVALSHA, and EVAL when Redis does not know a script yet (NOSCRIPT). */
export type LimitsRedis = ScriptRedis;

/** What one limits call says: its state, or why Redis gave none. */
export type CheckOutcome<State> =
  | { status: "allowed" | "refused"; state: State }
  | { status: "unavailable"; cause: "timeout" | "error"; error?: unknown };

/** The per-minute limits' window: a unit granted at t counts against grants until t + WINDOW_MS. */
export const WINDOW_MS = 60_000;

export const TIMED_OUT: unique symbol = Symbol("timed out");

/** Resolves TIMED_OUT if `promise` has not settled within `ms` (it keeps running; its result is dropped). */
export function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T | typeof TIMED_OUT> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const expired = new Promise<typeof TIMED_OUT>((resolve) => {
    timer = setTimeout(() => resolve(TIMED_OUT), ms);
  });
  return Promise.race([promise, expired]).finally(() => {
    if (timer !== undefined) clearTimeout(timer);
  });
}
