/**
 * Group commit: items added by concurrent requests in one isolate gather in one open
 * batch, written by ONE `commit` call per flush. A batch is flushed `maxWaitMs` after
 * its first item, or at once when the next item would take it past `maxItems` or
 * `maxBytes` (an item bigger than `maxBytes` on its own goes alone).
 *
 * `add(items)` answers a promise that settles like the flush (or flushes) holding the
 * items: each request hands it to `waitUntil`, so an isolate that stops after answering
 * still writes what it answered for. The wait lives inside that promise: the request
 * that opens a batch starts its timer and its own `waitUntil` keeps it alive (workerd
 * cancels a finished request's timers, so a timer no request waits for may never
 * fire); later requests' promises join the same flush.
 *
 * Used by usage metering (metering/usage-recorder.ts) and the L3 cache's write-backs
 * (cache/l3-redis-tier.ts).
 */

export interface GroupCommitOptions<T> {
  /** Writes one flush's items; the flush settles as this promise does. */
  commit(items: T[]): Promise<void>;
  /** Longest the first item of a batch waits for others, ms. */
  maxWaitMs: number;
  /** Most items in one flush (a positive integer). */
  maxItems: number;
  /** Size of an item in bytes, for `maxBytes`; without it only `maxItems` bounds a flush. */
  sizeOf?(item: T): number;
  /** Most bytes in one flush (by `sizeOf`). */
  maxBytes?: number;
}

export interface GroupCommit<T> {
  /** Adds the items to the open batch(es); settles once every flush holding them is done, rejecting if one failed. */
  add(items: readonly T[]): Promise<void>;
}

interface OpenBatch<T> {
  items: T[];
  bytes: number;
  /** Closes the batch (nothing joins it any more) and starts its flush; a second call does nothing. */
  close(): void;
  done: Promise<void>;
}

export function createGroupCommit<T>(
  options: GroupCommitOptions<T>,
): GroupCommit<T> {
  const { maxItems, maxWaitMs } = options;
  if (!Number.isInteger(maxItems) || maxItems < 1)
    throw new RangeError("maxItems must be a positive integer");
  const maxBytes = options.maxBytes ?? Infinity;
  const sizeOf = options.sizeOf ?? (() => 0);
  let open: OpenBatch<T> | undefined;

  function openBatch(): OpenBatch<T> {
    const items: T[] = [];
    let release!: () => void;
    const due = new Promise<void>((resolve) => (release = resolve));
    const batch: OpenBatch<T> = {
      items,
      bytes: 0,
      close() {
        if (open === batch) open = undefined;
        release();
      },
      done: due.then(() => options.commit(items)),
    };
    // Not cleared when the batch fills first: firing then closes it again, a no-op.
    setTimeout(() => batch.close(), maxWaitMs);
    return batch;
  }

  return {
    add(items) {
      const joined = new Set<Promise<void>>();
      for (const item of items) {
        const bytes = sizeOf(item);
        if (
          open !== undefined &&
          open.items.length > 0 &&
          open.bytes + bytes > maxBytes
        )
          open.close();
        const batch = (open ??= openBatch());
        batch.items.push(item);
        batch.bytes += bytes;
        joined.add(batch.done);
        if (batch.items.length >= maxItems || batch.bytes >= maxBytes)
          batch.close();
      }
      return Promise.all(joined).then(() => undefined);
    },
  };
}
