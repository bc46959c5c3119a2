import { describe, expect, it } from "vitest";
import {
  ByteBoundedLru,
  LRU_ENTRY_OVERHEAD_BYTES,
} from "../../../workers/memory/byte-bounded-lru";
import {
  decodedRecordBytes,
  type CacheRecord,
} from "../../../workers/cache/record";

// Values are their own byte size; keys are 2 characters, so each entry is charged
// value + 4 + LRU_ENTRY_OVERHEAD_BYTES.
const charge = (valueBytes: number, key = "k0") =>
  valueBytes + key.length * 2 + LRU_ENTRY_OVERHEAD_BYTES;
const numbers = (maxBytes: number) =>
  new ByteBoundedLru<number>({ maxBytes, sizeOf: (n) => n });
/** Which of `keys` the LRU holds, in the order given; `peek` does not refresh them. */
const held = <V>(lru: ByteBoundedLru<V>, keys: readonly string[]) =>
  keys.filter((k) => lru.peek(k) !== undefined);
const K = ["k1", "k2", "k3", "k4", "k5", "k9"];

describe("ByteBoundedLru", () => {
  it("charges value, key and the fixed overhead", () => {
    const lru = numbers(10_000);
    expect(lru.set("k0", 100)).toBe(true);
    expect(lru.set("key-3", 50)).toBe(true);
    expect(lru.bytes).toBe(100 + 4 + 64 + (50 + 10 + 64));
    expect(LRU_ENTRY_OVERHEAD_BYTES).toBe(64);
    expect(lru.size).toBe(2);
    expect(lru.maxBytes).toBe(10_000);
  });

  it("evicts the least recently set entries first", () => {
    const lru = numbers(3 * charge(100));
    for (const key of ["k1", "k2", "k3"]) lru.set(key, 100);
    expect(lru.bytes).toBe(3 * charge(100));
    lru.set("k4", 100);
    expect(held(lru, K)).toEqual(["k2", "k3", "k4"]);
    lru.set("k5", 100);
    expect(held(lru, K)).toEqual(["k3", "k4", "k5"]);
    expect(lru.get("k1")).toBeUndefined();
    expect(lru.bytes).toBe(3 * charge(100));
  });

  it("refreshes recency on get, but not on peek", () => {
    const lru = numbers(3 * charge(100));
    for (const key of ["k1", "k2", "k3"]) lru.set(key, 100);
    expect(lru.get("k1")).toBe(100);
    expect(lru.peek("k2")).toBe(100);
    lru.set("k4", 100);
    expect(held(lru, K)).toEqual(["k1", "k3", "k4"]);
    // Recency is now k3, k1, k4: the next set evicts k3, then k1.
    lru.set("k5", 100);
    expect(held(lru, K)).toEqual(["k1", "k4", "k5"]);
    lru.set("k2", 100);
    expect(held(lru, K)).toEqual(["k2", "k4", "k5"]);
  });

  it("evicts as many old entries as a large new one needs", () => {
    const lru = numbers(4 * charge(100));
    for (const key of ["k1", "k2", "k3", "k4"]) lru.set(key, 100);
    lru.set("k5", 2 * charge(100) + 100);
    expect(held(lru, K)).toEqual(["k4", "k5"]);
    expect(lru.bytes).toBe(charge(100) + charge(2 * charge(100) + 100));
  });

  it("replaces a value under an existing key, re-charging and refreshing it", () => {
    const lru = numbers(10_000);
    lru.set("k1", 100);
    lru.set("k2", 100);
    lru.set("k1", 300);
    expect(lru.peek("k1")).toBe(300);
    expect(lru.bytes).toBe(charge(100) + charge(300));
    // k1 is now the most recent: a budget that fits one of them keeps k1.
    const small = numbers(charge(300) + charge(100));
    small.set("k1", 100);
    small.set("k2", 100);
    small.set("k1", 300);
    small.set("k3", 100);
    expect(held(small, K)).toEqual(["k1", "k3"]);
    expect(lru.get("k1")).toBe(300);
    expect(lru.bytes).toBe(charge(100) + charge(300));
    expect(lru.size).toBe(2);
  });

  it("does not store an entry larger than the whole budget, and evicts nothing for it", () => {
    const lru = numbers(3 * charge(100));
    lru.set("k1", 100);
    lru.set("k2", 100);
    expect(lru.set("k9", 3 * charge(100))).toBe(false); // value + overhead exceeds the budget
    expect(lru.peek("k9")).toBeUndefined();
    expect(held(lru, K)).toEqual(["k1", "k2"]);
    expect(lru.bytes).toBe(2 * charge(100));
  });

  it("drops the older value when an oversize set targets its key", () => {
    const lru = numbers(3 * charge(100));
    lru.set("k1", 100);
    lru.set("k2", 100);
    expect(lru.set("k1", 10_000)).toBe(false);
    expect(lru.get("k1")).toBeUndefined();
    expect(held(lru, K)).toEqual(["k2"]);
    expect(lru.bytes).toBe(charge(100));
  });

  it("stores an entry of exactly the budget, evicting everything else", () => {
    const lru = numbers(3 * charge(100));
    lru.set("k1", 100);
    expect(lru.set("k2", 3 * charge(100) - charge(0))).toBe(true);
    expect(held(lru, K)).toEqual(["k2"]);
    expect(lru.bytes).toBe(lru.maxBytes);
  });

  it("deletes, keeping the byte count exact", () => {
    const lru = numbers(10_000);
    lru.set("k1", 100);
    lru.set("k2", 200);
    expect(lru.delete("k1")).toBe(true);
    expect(lru.delete("k1")).toBe(false);
    expect(lru.bytes).toBe(charge(200));
    expect(lru.delete("k2")).toBe(true);
    expect(lru.size).toBe(0);
    expect(lru.bytes).toBe(0);
    expect(lru.get("k2")).toBeUndefined();
  });

  it("rejects a bad budget or a bad size", () => {
    for (const maxBytes of [0, -1, 1.5, NaN, Infinity])
      expect(() => numbers(maxBytes)).toThrow(RangeError);
    const lru = numbers(1000);
    expect(() => lru.set("k1", -1)).toThrow(RangeError);
    expect(() => lru.set("k1", NaN)).toThrow(RangeError);
    expect(lru.size).toBe(0);
  });

  it("returns the stored object itself: an L1 hit decodes nothing", () => {
    const lru = new ByteBoundedLru<CacheRecord>({
      maxBytes: 1 << 20,
      sizeOf: decodedRecordBytes,
    });
    const record = { vector: new Float32Array(2560), tokens: 12 };
    lru.set("emb:v1:global:x", record);
    expect(lru.get("emb:v1:global:x")).toBe(record);
    expect(lru.bytes).toBe(10240 + 160 + "emb:v1:global:x".length * 2 + 64);
  });

  it("stays within its bound under 10,000 distinct records, holding exactly the newest that fit", () => {
    const maxBytes = 1 << 20;
    const lru = new ByteBoundedLru<CacheRecord>({
      maxBytes,
      sizeOf: decodedRecordBytes,
    });
    const keys: string[] = [];
    const charges: number[] = [];
    let seed = 7;
    let peak = 0;
    for (let i = 0; i < 10_000; i++) {
      seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0;
      const dims = 32 + (seed % 2529); // 32..2560 dims: entries of very different sizes
      const key = `emb:v1:tenant:t${i % 7}:${i.toString(36).padStart(43, "0")}`;
      const record = { vector: new Float32Array(dims), tokens: i };
      lru.set(key, record);
      keys.push(key);
      charges.push(
        decodedRecordBytes(record) + key.length * 2 + LRU_ENTRY_OVERHEAD_BYTES,
      );
      expect(lru.bytes).toBeLessThanOrEqual(maxBytes);
      peak = Math.max(peak, lru.bytes);
    }
    // Eviction is oldest-first, so what remains is the longest suffix of the stream that fits.
    let total = 0;
    let start = keys.length;
    while (start > 0 && total + charges[start - 1]! <= maxBytes)
      total += charges[--start]!;
    expect(held(lru, keys)).toEqual(keys.slice(start));
    expect(lru.bytes).toBe(total);
    expect(lru.size).toBe(keys.length - start);
    expect(peak).toBeGreaterThan(maxBytes - 10240 - 500); // it really filled up
  });
});
