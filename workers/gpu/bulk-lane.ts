/**
 * The bulk lane: how indexing jobs reach the GPU pool. Same endpoints, retries and
 * breakers as interactive traffic, but calls are tagged `x-lane: bulk`, kept small
 * (INDEX_GPU_BATCH_MAX_TOKENS), at most INDEX_GPU_MAX_CONCURRENT_BATCHES of them in
 * flight per isolate, and the lane takes at most INDEX_GPU_MAX_SHARE of the time: after
 * a turn of t ms it stays closed for t × (1 − share) / share. A GPU runs one forward
 * pass at a time, so an interactive request waits behind at most a few small bulk
 * calls, and with the pauses it often finds the GPU free (test/bench/indexing-bench.ts
 * measures interactive p50 with a job running against idle).
 *
 * The cap is per isolate; the index queue's consumer runs with `max_concurrency = 1`
 * (wrangler.toml), so per isolate is deployment-wide for jobs.
 */
import { createGpuPool, type GpuPool } from "./pool";
import type { GpuItem, GpuPoolConfig, GpuResult } from "./types";

export const BULK_LANE = "bulk";

export interface BulkLaneOptions {
  /** In (0, 1]; 1 = no pauses. */
  maxShare: number;
  sleep?: (ms: number) => Promise<void>;
  now?: () => number;
}

const pools = new WeakMap<GpuPoolConfig, GpuPool>();
/** Resolves when the lane is free: after the previous turn and its pause. Never rejects. */
let laneFree: Promise<unknown> = Promise.resolve();

export function bulkLaneFor(config: GpuPoolConfig, options: BulkLaneOptions): GpuPool["embed"] {
  let pool = pools.get(config);
  if (!pool) {
    pool = createGpuPool(config, { lane: BULK_LANE });
    pools.set(config, pool);
  }
  const lanePool = pool;
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  const now = options.now ?? Date.now;
  return (items: GpuItem[], signal?: AbortSignal): Promise<GpuResult> => {
    let started = 0;
    const turn = laneFree.then(() => {
      started = now();
      return lanePool.embed(items, signal);
    });
    const pause = () => sleep(((now() - started) * (1 - options.maxShare)) / options.maxShare);
    laneFree = turn.then(pause, pause);
    return turn;
  };
}
