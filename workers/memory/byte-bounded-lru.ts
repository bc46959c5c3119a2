/**
 * A least-recently-used map bounded by bytes, not entries: the isolate's one LRU, used
 * by the cache's L1 tier (cache/l1-memory-tier.ts) and by the API-key resolver's record
 * cache (tenants/key-resolver.ts), each built once per isolate.
 *
 * Workers isolates have a fixed memory limit (128 MiB) shared with everything else the
 * request does, so L1 must hold a known number of bytes however large its values are;
 * an entry count would be wrong by 2x between float16- and float32-sized values, or by
 * 80x between a 32-d and a 2560-d vector. Values are stored as given (for the cache:
 * decoded vectors plus token counts, so an L1 hit does no decoding) and are shared with
 * callers, who must not mutate them.
 *
 * Each entry is charged `sizeOf(value)` plus its key (2 bytes per UTF-16 unit, the worst
 * case) plus `LRU_ENTRY_OVERHEAD_BYTES`. Every operation is O(1): a Map iterates in
 * insertion order, so deleting and re-inserting a key makes it the most recent, and the
 * first key is always the least recent.
 */

/**
 * Estimated memory of one Map entry beyond its key's characters and its value: the hash
 * table slot (key, value, chain link), the key string's header and the record of its
 * charged size. Rounded up for 64-bit V8.
 */
export const LRU_ENTRY_OVERHEAD_BYTES = 64;

export interface ByteBoundedLruOptions<V> {
  /** Most bytes held at once, overheads included (e.g. 32 MiB for L1). */
  maxBytes: number;
  /** Bytes one value takes in memory, e.g. `decodedRecordBytes` for cache records. */
  sizeOf: (value: V) => number;
}

interface Entry<V> {
  value: V;
  bytes: number;
}

export class ByteBoundedLru<V> {
  readonly maxBytes: number;
  readonly #sizeOf: (value: V) => number;
  readonly #entries = new Map<string, Entry<V>>();
  #bytes = 0;

  constructor(options: ByteBoundedLruOptions<V>) {
    if (!Number.isSafeInteger(options.maxBytes) || options.maxBytes <= 0) {
      throw new RangeError(
        `maxBytes must be a positive integer, got ${options.maxBytes}`,
      );
    }
    this.maxBytes = options.maxBytes;
    this.#sizeOf = options.sizeOf;
  }

  /** Bytes currently charged, never more than `maxBytes`. */
  get bytes(): number {
    return this.#bytes;
  }

  /** Entries currently held. */
  get size(): number {
    return this.#entries.size;
  }

  /** The value, now the most recently used; undefined if absent. */
  get(key: string): V | undefined {
    const entry = this.#entries.get(key);
    if (entry === undefined) return undefined;
    this.#entries.delete(key);
    this.#entries.set(key, entry);
    return entry.value;
  }

  /** The value without refreshing its recency; undefined if absent. */
  peek(key: string): V | undefined {
    return this.#entries.get(key)?.value;
  }

  /**
   * Stores the value as the most recent, evicting least recent entries until it fits.
   * An entry larger than the whole budget is not stored (returns false) and evicts
   * nothing; an older value under the same key is dropped, so `get` never returns a
   * value older than the last `set`.
   */
  set(key: string, value: V): boolean {
    const valueBytes = this.#sizeOf(value);
    if (!Number.isFinite(valueBytes) || valueBytes < 0) {
      throw new RangeError(
        `sizeOf must give a non-negative byte count, got ${valueBytes}`,
      );
    }
    const bytes = valueBytes + key.length * 2 + LRU_ENTRY_OVERHEAD_BYTES;
    this.delete(key);
    if (bytes > this.maxBytes) return false;
    this.#entries.set(key, { value, bytes });
    this.#bytes += bytes;
    // Never reaches the entry just added: it is the newest and fits the budget on its own.
    while (this.#bytes > this.maxBytes) {
      const oldest = this.#entries.keys().next();
      if (oldest.done === true) break;
      this.delete(oldest.value);
    }
    return true;
  }

  delete(key: string): boolean {
    const entry = this.#entries.get(key);
    if (entry === undefined) return false;
    this.#entries.delete(key);
    this.#bytes -= entry.bytes;
    return true;
  }
}
