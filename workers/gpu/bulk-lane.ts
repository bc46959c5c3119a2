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
import type { GpuPool } from "./pool";
import type { GpuItem } from "./gpu-item";
import type { GpuResult } from "./pool";

export const BULK_LANE = "bulk";

export interface BulkLaneOptions {
  /** In (0, 1]; 1 = no pauses. */
  maxShare: number;
  sleep?: (ms: number) => Promise<void>;
  now?: () => number;
}

/** How often a waiter looks again while another turn is running. */
const POLL_MS = 5;

/**
 * The lane over `pool` (built with `lane: BULK_LANE`), as an `embed` function. Its state
 * (a turn running, when the lane is free again) belongs to this lane and is shared by
 * every invocation holding it: the composition root builds one per isolate. Plain values,
 * never a promise or timer: workerd cancels a request's timers when it ends and will not
 * resolve one request's promise from another, so each waiter sleeps in its own request.
 */
export function createBulkLane(
  pool: Pick<GpuPool, "embed">,
  options: BulkLaneOptions,
): GpuPool["embed"] {
  let active = 0;
  let freeAt = 0;
  const sleep =
    options.sleep ??
    ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  const now = options.now ?? Date.now;
  return async (items: GpuItem[], signal?: AbortSignal): Promise<GpuResult> => {
    while (active > 0 || now() < freeAt)
      await sleep(active > 0 ? POLL_MS : freeAt - now());
    active++;
    const started = now();
    try {
      return await pool.embed(items, signal);
    } finally {
      active--;
      freeAt =
        now() + ((now() - started) * (1 - options.maxShare)) / options.maxShare;
    }
  };
}
