/**
 * L1: decoded vectors in this isolate's memory, bounded by bytes. The LRU is built once
 * per isolate by the composition root (workers/services.ts), so it survives across
 * requests; entries are the exact (already rounded) vectors, so a hit costs no decoding,
 * plus each vector as served at full dimensions (`unit`), so a hit at the default
 * `dimensions` costs no arithmetic either. That doubles an entry's memory (about 20.6 KB
 * per 2560-d vector, all of it charged against CACHE_L1_MAX_BYTES): the L1 hit is the
 * hot path, and profiling a 64-input hit in workerd put ~60% of its CPU in renormalising.
 */
import { EMBEDDING_DIMENSIONS } from "../model";
import { truncateAndRenormalize } from "../vectors/truncate-renormalize";
import { ByteBoundedLru } from "../memory/byte-bounded-lru";
import { decodedRecordBytes, type CacheRecord } from "./record";
import type { CacheTier, StoredEntry } from "./tier";

/** An empty L1 store of at most `maxBytes` of decoded records. */
export function createL1Lru(maxBytes: number): ByteBoundedLru<CacheRecord> {
  return new ByteBoundedLru<CacheRecord>({
    maxBytes,
    sizeOf: decodedRecordBytes,
  });
}

export function l1MemoryTier(lru: ByteBoundedLru<CacheRecord>): CacheTier {
  return {
    name: "l1",
    async getMany(keys) {
      return keys.map((key) => lru.get(key));
    },
    async putMany(entries: readonly StoredEntry[]) {
      for (const { key, record } of entries) {
        const unit =
          record.unit ??
          truncateAndRenormalize(record.vector, EMBEDDING_DIMENSIONS);
        lru.set(key, { vector: record.vector, tokens: record.tokens, unit });
      }
    },
  };
}
