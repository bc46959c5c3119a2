/**
 * L1: decoded vectors in this isolate's memory, bounded by bytes. It lives at module
 * scope so it survives across requests in the isolate; entries are the exact
 * (already rounded) vectors a response serves, so a hit costs no decoding at all.
 */
import { ByteBoundedLru } from "./lru";
import { decodedRecordBytes, type CacheRecord } from "./record";
import type { CacheTier, StoredEntry } from "./tier";

const lrus = new Map<number, ByteBoundedLru<CacheRecord>>();

export function isolateLru(maxBytes: number): ByteBoundedLru<CacheRecord> {
  let lru = lrus.get(maxBytes);
  if (!lru) {
    lru = new ByteBoundedLru<CacheRecord>({ maxBytes, sizeOf: decodedRecordBytes });
    lrus.set(maxBytes, lru);
  }
  return lru;
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
