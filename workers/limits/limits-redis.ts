/**
 * What the limits need from Redis and how they report a call's outcome: the narrow
 * client type, the check outcome shared by the lease and the monthly quota, the
 * per-minute window, and how a call that failed or ran out of time is reported.
 */
import { OperationTimeout } from "../timeout/with-timeout";
import type { ScriptRedis } from "../upstash/lua-script";

/** The Redis commands the limits use: EVALSHA, and EVAL when Redis does not know a script yet (NOSCRIPT). */
export type LimitsRedis = ScriptRedis;

/** What one limits call says: its state, or why Redis gave none. */
export type CheckOutcome<State> =
  | { status: "allowed" | "refused"; state: State }
  | { status: "unavailable"; cause: "timeout" | "error"; error?: unknown };

/** The per-minute limits' window: a unit granted at t counts against grants until t + WINDOW_MS. */
export const WINDOW_MS = 60_000;

/** A failed limits call as its outcome: "timeout" when the call's budget ran out (timeout/with-timeout.ts). */
export function unavailable(error: unknown): {
  status: "unavailable";
  cause: "timeout" | "error";
  error?: unknown;
} {
  return error instanceof OperationTimeout
    ? { status: "unavailable", cause: "timeout" }
    : { status: "unavailable", cause: "error", error };
}
