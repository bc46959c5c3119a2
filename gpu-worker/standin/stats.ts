/**
 * What the stand-in has been asked to do, for tests that assert on the edge's upstream
 * traffic: how many calls, how many at once, which inputs (exactly as received) and on
 * which lane (the `x-lane` request header the edge sets for interactive vs bulk work).
 *
 * `recent` keeps the last 1000 calls only, so a long local run cannot grow memory
 * without bound.
 */
import type { EmbeddingInput } from "./protocol";

export const RECENT_CALLS_KEPT = 1000;

export interface RecentCall {
  inputs: EmbeddingInput[];
  lane: string | null;
}

export interface StatsSnapshot {
  /** Authorised POST /v1/embeddings calls, including refused and failed ones. */
  calls: number;
  inFlight: number;
  maxInFlight: number;
  /** Inputs in calls whose body parsed. */
  inputs: number;
  /** Tokens of calls that were tokenised (those that passed validation). */
  tokens: number;
  recent: RecentCall[];
  /** Per `x-lane` value ("none" when absent): calls, in flight now, and the most ever in flight at once. */
  lanes: Record<string, LaneStats>;
}

export interface LaneStats {
  calls: number;
  inFlight: number;
  maxInFlight: number;
}

export class StatsRecorder {
  private calls = 0;
  private inFlight = 0;
  private maxInFlight = 0;
  private inputs = 0;
  private tokens = 0;
  private recent: RecentCall[] = [];
  private lanes = new Map<string, LaneStats>();

  /** A call arrived; the returned function marks it finished (call it exactly once). */
  begin(lane: string | null = null): () => void {
    this.calls++;
    this.inFlight++;
    this.maxInFlight = Math.max(this.maxInFlight, this.inFlight);
    const name = lane ?? "none";
    const perLane = this.lanes.get(name) ?? {
      calls: 0,
      inFlight: 0,
      maxInFlight: 0,
    };
    this.lanes.set(name, perLane);
    perLane.calls++;
    perLane.inFlight++;
    perLane.maxInFlight = Math.max(perLane.maxInFlight, perLane.inFlight);
    let finished = false;
    return () => {
      if (finished) return;
      finished = true;
      this.inFlight--;
      perLane.inFlight--;
    };
  }

  recordInputs(inputs: EmbeddingInput[], lane: string | null): void {
    this.inputs += inputs.length;
    this.recent.push({ inputs, lane });
    if (this.recent.length > RECENT_CALLS_KEPT)
      this.recent.splice(0, this.recent.length - RECENT_CALLS_KEPT);
  }

  recordTokens(tokens: number): void {
    this.tokens += tokens;
  }

  snapshot(): StatsSnapshot {
    return {
      calls: this.calls,
      inFlight: this.inFlight,
      maxInFlight: this.maxInFlight,
      inputs: this.inputs,
      tokens: this.tokens,
      recent: this.recent.map((r) => ({ inputs: r.inputs, lane: r.lane })),
      lanes: Object.fromEntries(
        [...this.lanes].map(([name, l]) => [name, { ...l }]),
      ),
    };
  }

  /** Zeroes the counters; calls still in flight stay counted in inFlight. */
  reset(): void {
    this.calls = 0;
    this.inputs = 0;
    this.tokens = 0;
    this.recent = [];
    this.maxInFlight = this.inFlight;
    for (const lane of this.lanes.values()) {
      lane.calls = 0;
      lane.maxInFlight = lane.inFlight;
    }
  }
}
