/**
 * L1: decoded vectors in this isolate's memory, bounded by bytes. The LRU is built once
 * per isolate by the composition root (workers/services.ts), so it survives across
 * requests; entries are the exact
 * (already rounded) vectors a response serves, so a hit costs no decoding at all.
 */
import { ByteBoundedLru } from "./lru";
import { decodedRecordBytes, type CacheRecord } from "./record";
import type { CacheTier, StoredEntry } from "./tier";

/** An empty L1 store of at most `maxBytes` of decoded records. */
export function createL1Lru(maxBytes: number): ByteBoundedLru<CacheRecord> {
  return new ByteBoundedLru<CacheRecord>({ maxBytes, sizeOf: decodedRecordBytes });
}

export function l1MemoryTier(lru: ByteBoundedLru<CacheRecord>): CacheTier {
  return {
    name: "l1",
    async getMany(keys) {
      return keys.map((key) => lru.get(key));
    },
    async putMany(entries: readonly StoredEntry[]) {
      for (const { key, record } of entries) lru.set(key, record);
    },
  };
}
