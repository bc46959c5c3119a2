/**
 * Per-endpoint circuit breakers, shared by every request an isolate serves, so that once
 * an endpoint has failed repeatedly the isolate stops sending it traffic (each attempt at
 * a dead endpoint costs a request a timeout or a connection error) and gives it time to
 * recover.
 *
 * Numbers: the breaker opens after 5 consecutive failures (enough to ride out a single
 * restarting replica, few enough that one isolate notices a dead endpoint within one or
 * two requests) and stays open 10 s. After that it is half-open: one call is let through
 * as a probe; success closes it, failure re-opens it for another 10 s. If the probe's
 * result never arrives (its request was cancelled), another probe is allowed a cool-down
 * later, so the breaker cannot get stuck half-open.
 *
 * State lives at module level, keyed by URL, because a Worker isolate has no other place
 * that outlives a request. It is per isolate, not global: each isolate learns on its own.
 */

export const FAILURE_THRESHOLD = 5;
export const COOL_DOWN_MS = 10_000;

interface BreakerState {
  consecutiveFailures: number;
  /** While open: when the next probe may go. 0 while closed. */
  openUntil: number;
}

const breakers = new Map<string, BreakerState>();

function stateOf(url: string): BreakerState {
  let state = breakers.get(url);
  if (state === undefined) {
    state = { consecutiveFailures: 0, openUntil: 0 };
    breakers.set(url, state);
  }
  return state;
}

function isOpen(state: BreakerState): boolean {
  return state.consecutiveFailures >= FAILURE_THRESHOLD;
}

/**
 * Whether a call to `url` may go now. When half-open this admits the caller as the probe
 * and holds others off for another cool-down, so only one probe is in flight.
 */
export function tryAcquire(url: string, nowMs: number): boolean {
  const state = stateOf(url);
  if (!isOpen(state)) return true;
  if (nowMs < state.openUntil) return false;
  state.openUntil = nowMs + COOL_DOWN_MS;
  return true;
}

/** Milliseconds until `url` would admit a call (0 if it would now). */
export function msUntilAvailable(url: string, nowMs: number): number {
  const state = stateOf(url);
  return isOpen(state) ? Math.max(0, state.openUntil - nowMs) : 0;
}

export function recordSuccess(url: string): void {
  const state = stateOf(url);
  state.consecutiveFailures = 0;
  state.openUntil = 0;
}

export function recordFailure(url: string, nowMs: number): void {
  const state = stateOf(url);
  state.consecutiveFailures += 1;
  // Reaching the threshold opens it; a failed probe (already open) re-opens it.
  if (isOpen(state)) state.openUntil = nowMs + COOL_DOWN_MS;
}

export type BreakerView = "closed" | "open" | "half_open";

/** For logs and tests: the state a call to `url` would meet now. */
export function breakerState(url: string, nowMs: number): BreakerView {
  const state = breakers.get(url);
  if (state === undefined || !isOpen(state)) return "closed";
  return nowMs < state.openUntil ? "open" : "half_open";
}

/** Forget every endpoint's history (tests; the isolate itself never needs it). */
export function resetCircuitBreakers(): void {
  breakers.clear();
}
