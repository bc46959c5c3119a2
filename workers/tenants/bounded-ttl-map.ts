/**
 * A size-bounded map of values with an expiry, for the isolate's tenancy lookups.
 * Insertion order is recency order (a read that hits moves the entry to the end), so
 * the first entry is the least recently used and is the one evicted when full.
 * Expired entries are kept until evicted: callers may still read their immutable parts
 * (`peek`), but `fresh` never answers them.
 */
interface Slot<V> {
  value: V;
  expiresAt: number;
}

export class BoundedTtlMap<V> {
  private readonly slots = new Map<string, Slot<V>>();

  constructor(private readonly maxEntries: number) {
    if (!Number.isInteger(maxEntries) || maxEntries < 1) throw new RangeError("maxEntries must be a positive integer");
  }

  /** The value if it has not expired at `now`. */
  fresh(key: string, now: number): V | undefined {
    const slot = this.slots.get(key);
    if (slot === undefined || now >= slot.expiresAt) return undefined;
    this.slots.delete(key);
    this.slots.set(key, slot);
    return slot.value;
  }

  /** The value, expired or not. */
  peek(key: string): V | undefined {
    return this.slots.get(key)?.value;
  }

  set(key: string, value: V, expiresAt: number): void {
    this.slots.delete(key);
    this.slots.set(key, { value, expiresAt });
    if (this.slots.size > this.maxEntries) this.slots.delete(this.slots.keys().next().value!);
  }

  delete(key: string): void {
    this.slots.delete(key);
  }

  get size(): number {
    return this.slots.size;
  }
}
