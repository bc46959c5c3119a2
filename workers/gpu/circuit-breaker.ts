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
 * State is instance state of one `CircuitBreakers`, keyed by URL. The composition root
 * (workers/services.ts) builds one per isolate and hands it to the pools that share
 * endpoints, so it outlives a request without any module-level state; each isolate
 * learns on its own.
 */

export const FAILURE_THRESHOLD = 5;
export const COOL_DOWN_MS = 10_000;

export type BreakerView = "closed" | "open" | "half_open";

/** One breaker per endpoint URL. Times are epoch milliseconds from the caller's clock. */
export interface CircuitBreakers {
  /**
   * Whether a call to `url` may go now. When half-open this admits the caller as the probe
   * and holds others off for another cool-down, so only one probe is in flight.
   */
  tryAcquire(url: string, nowMs: number): boolean;
  /** Milliseconds until `url` would admit a call (0 if it would now). */
  msUntilAvailable(url: string, nowMs: number): number;
  recordSuccess(url: string): void;
  recordFailure(url: string, nowMs: number): void;
  /** For logs and tests: the state a call to `url` would meet now. */
  state(url: string, nowMs: number): BreakerView;
}

interface BreakerState {
  consecutiveFailures: number;
  /** While open: when the next probe may go. 0 while closed. */
  openUntil: number;
}

const isOpen = (state: BreakerState): boolean =>
  state.consecutiveFailures >= FAILURE_THRESHOLD;

/** A fresh set of breakers, every endpoint closed. */
export function createCircuitBreakers(): CircuitBreakers {
  const breakers = new Map<string, BreakerState>();
  const stateOf = (url: string): BreakerState => {
    let state = breakers.get(url);
    if (state === undefined) {
      state = { consecutiveFailures: 0, openUntil: 0 };
      breakers.set(url, state);
    }
    return state;
  };

  return {
    tryAcquire(url, nowMs) {
      const state = stateOf(url);
      if (!isOpen(state)) return true;
      if (nowMs < state.openUntil) return false;
      state.openUntil = nowMs + COOL_DOWN_MS;
      return true;
    },
    msUntilAvailable(url, nowMs) {
      const state = stateOf(url);
      return isOpen(state) ? Math.max(0, state.openUntil - nowMs) : 0;
    },
    recordSuccess(url) {
      const state = stateOf(url);
      state.consecutiveFailures = 0;
      state.openUntil = 0;
    },
    recordFailure(url, nowMs) {
      const state = stateOf(url);
      state.consecutiveFailures += 1;
      // Reaching the threshold opens it; a failed probe (already open) re-opens it.
      if (isOpen(state)) state.openUntil = nowMs + COOL_DOWN_MS;
    },
    state(url, nowMs) {
      const state = breakers.get(url);
      if (state === undefined || !isOpen(state)) return "closed";
      return nowMs < state.openUntil ? "open" : "half_open";
    },
  };
}
