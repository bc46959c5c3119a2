/**
 * Identical inputs computed once per isolate (one `SingleFlight` per isolate, built by
 * workers/services.ts): a key whose vector is already being
 * computed by another request joins that computation instead of starting its own.
 * Keys include the cache scope, so tenants never share an in-flight result under
 * `CACHE_SCOPE=tenant`. If the computation fails, every request waiting on it fails
 * with the same error; nothing is remembered after it settles.
 */
import type { CacheRecord } from "./record";

export interface SingleFlightResult {
  records: CacheRecord[];
  /** Positions this call computed itself (the others joined another request's work). */
  computed: number[];
}

/** Computations in flight, shared by every request that holds this instance (one per isolate). */
export interface SingleFlight {
  computeOnce(
    keys: readonly string[],
    compute: (positions: number[]) => Promise<CacheRecord[]>,
  ): Promise<SingleFlightResult>;
}

export function createSingleFlight(): SingleFlight {
  const inFlight = new Map<string, Promise<CacheRecord>>();
  return {
    computeOnce: (keys, compute) => computeOnce(inFlight, keys, compute),
  };
}

async function computeOnce(
  inFlight: Map<string, Promise<CacheRecord>>,
  keys: readonly string[],
  compute: (positions: number[]) => Promise<CacheRecord[]>,
): Promise<SingleFlightResult> {
  const pending: Promise<CacheRecord>[] = [];
  const mine: number[] = [];
  keys.forEach((key, i) => {
    const existing = inFlight.get(key);
    if (existing) pending[i] = existing;
    else mine.push(i);
  });
  if (mine.length > 0) {
    const batch = compute(mine);
    mine.forEach((position, j) => {
      const key = keys[position]!;
      const one = batch.then((records) => records[j]!);
      // Waiters attach their own handlers; this keeps an unobserved rejection quiet.
      one
        .catch(() => undefined)
        .finally(() => {
          if (inFlight.get(key) === one) inFlight.delete(key);
        });
      inFlight.set(key, one);
      pending[position] = one;
    });
  }
  return { records: await Promise.all(pending), computed: mine };
}
