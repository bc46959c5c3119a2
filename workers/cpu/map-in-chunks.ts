/**
 * CPU work over large arrays, in chunks that give the event loop back between them.
 *
 * One isolate serves many requests at once, and JavaScript runs one task at a time: a
 * 2,048-input batch that tokenizes, hashes, encodes and renders in one go holds every
 * other request in the isolate (another tenant's 1-input hit included) for as long as
 * that takes. Between chunks these helpers wait on a zero-delay timer, a macrotask, so
 * the requests queued meanwhile run first.
 *
 * Blocking is not only slow. With the slices below turned off (same build otherwise), a
 * 1-input request sent during a 2,048-input miss batch in Miniflare's workerd had its
 * connection closed by workerd ("other side closed"; 2 runs of 2 of the big-batch
 * benchmark, none in 5 batches with the slices on): the transport failure that wrangler
 * dev's proxy reports as its 503 "Your worker restarted mid-request".
 *
 * `await` of a resolved promise is not enough: microtasks drain before any other
 * request's task runs. A zero-delay `setTimeout` is a real task boundary inside a
 * workerd request handler.
 *
 * Work of at most one chunk runs exactly as a plain loop would, with no timer: small
 * requests, the common case, pay nothing.
 */

/** Items per chunk when a caller has no better figure: small enough that one chunk of the
 * edge's per-vector steps (2,560-dim vectors) stays around a millisecond or two. */
const DEFAULT_CHUNK_ITEMS = 64;

/** Lets every task queued in this isolate run before continuing (a zero-delay timer). */
export function yieldToEventLoop(): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, 0));
}

/**
 * `items.map(fn)`, `chunk` items at a time, yielding between chunks. `fn` may be async:
 * a chunk's promises run together and are awaited before the next chunk starts. Rejects
 * with the first error `fn` throws, as `Promise.all` would.
 */
export async function mapInChunks<T, R>(
  items: readonly T[],
  fn: (item: T, index: number) => R | Promise<R>,
  chunk: number = DEFAULT_CHUNK_ITEMS,
): Promise<R[]> {
  const out: R[] = new Array<R>(items.length);
  for (let start = 0; start < items.length; start += chunk) {
    if (start > 0) await yieldToEventLoop();
    const end = Math.min(items.length, start + chunk);
    const pending: Promise<void>[] = [];
    for (let i = start; i < end; i++) {
      const value = fn(items[i]!, i);
      if (value instanceof Promise)
        pending.push(value.then((v) => void (out[i] = v)));
      else out[i] = value;
    }
    if (pending.length > 0) await Promise.all(pending);
  }
  return out;
}

/** Runs `fn` over consecutive slices of at most `chunk` items, in order, yielding between slices. */
export async function forEachChunk<T>(
  items: readonly T[],
  fn: (slice: readonly T[], start: number) => void | Promise<void>,
  chunk: number = DEFAULT_CHUNK_ITEMS,
): Promise<void> {
  for (let start = 0; start < items.length; start += chunk) {
    if (start > 0) await yieldToEventLoop();
    await fn(items.slice(start, start + chunk), start);
  }
}
