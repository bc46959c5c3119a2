/**
 * How long a GPU worker would take, so timeouts, batching and queueing at the edge can
 * be exercised without one.
 *
 * A call costs a per-call overhead (HTTP, tokenising) plus its forward passes. Inputs
 * are packed in order into passes of at most `maxTokensPerPass` tokens (an input longer
 * than that is split, like chunked prefill); a pass takes max(minPassMs, tokens /
 * tokensPerSecond). Passes from all calls go through ONE FIFO queue per server, because
 * a GPU runs one batch at a time: concurrent calls wait behind each other.
 *
 * Profile `l4` approximates an NVIDIA L4 running a 4B model in bf16 (~27 ms floor per
 * pass, ~8k tokens/s prefill); `none` adds no delay at all.
 */
export type LatencyProfileName = "none" | "l4";

export const LATENCY_PROFILE_NAMES: readonly LatencyProfileName[] = [
  "none",
  "l4",
];

export interface LatencyProfile {
  name: LatencyProfileName;
  perCallOverheadMs: number;
  minPassMs: number;
  tokensPerSecond: number;
  maxTokensPerPass: number;
}

export const DEFAULT_MAX_TOKENS_PER_PASS = 8192;

const PROFILES: Record<
  LatencyProfileName,
  Omit<LatencyProfile, "maxTokensPerPass">
> = {
  none: {
    name: "none",
    perCallOverheadMs: 0,
    minPassMs: 0,
    tokensPerSecond: Infinity,
  },
  l4: {
    name: "l4",
    perCallOverheadMs: 3,
    minPassMs: 27,
    tokensPerSecond: 8000,
  },
};

export function latencyProfile(
  name: LatencyProfileName,
  maxTokensPerPass = DEFAULT_MAX_TOKENS_PER_PASS,
): LatencyProfile {
  return { ...PROFILES[name], maxTokensPerPass };
}

/** Tokens in each forward pass needed for inputs of these token counts. */
export function forwardPasses(
  tokenCounts: readonly number[],
  maxTokensPerPass: number,
): number[] {
  const passes: number[] = [];
  let current = 0;
  for (let n of tokenCounts) {
    if (current + n <= maxTokensPerPass) {
      current += n;
      continue;
    }
    if (current > 0) passes.push(current);
    current = 0;
    while (n > maxTokensPerPass) {
      passes.push(maxTokensPerPass);
      n -= maxTokensPerPass;
    }
    current = n;
  }
  if (current > 0) passes.push(current);
  return passes;
}

export function passMs(tokens: number, profile: LatencyProfile): number {
  return Math.max(profile.minPassMs, (tokens / profile.tokensPerSecond) * 1000);
}

/** Time on the GPU queue for one call's inputs, overhead excluded. */
export function forwardMs(
  tokenCounts: readonly number[],
  profile: LatencyProfile,
): number {
  return forwardPasses(tokenCounts, profile.maxTokensPerPass).reduce(
    (sum, tokens) => sum + passMs(tokens, profile),
    0,
  );
}

/** The least time one call takes on an idle server: overhead plus its passes. */
export function modelledLatencyMs(
  tokenCounts: readonly number[],
  profile: LatencyProfile,
): number {
  return profile.perCallOverheadMs + forwardMs(tokenCounts, profile);
}

/**
 * Waits at least `ms`. Timers may fire a little early on some platforms, and tests
 * assert lower bounds on elapsed time, so re-arm until the clock agrees.
 */
export async function sleepAtLeast(ms: number): Promise<void> {
  if (ms <= 0) return;
  const until = performance.now() + ms;
  for (let left = ms; left > 0; left = until - performance.now()) {
    await new Promise<void>((resolve) => setTimeout(resolve, Math.ceil(left)));
  }
}

/** The one GPU: calls' forward passes run one after another, in arrival order. */
export class ForwardQueue {
  private tail: Promise<void> = Promise.resolve();

  /** Resolves once this call's passes have had their turn on the queue. */
  run(durationMs: number): Promise<void> {
    if (durationMs <= 0) return Promise.resolve();
    const turn = this.tail.then(() => sleepAtLeast(durationMs));
    this.tail = turn;
    return turn;
  }
}
