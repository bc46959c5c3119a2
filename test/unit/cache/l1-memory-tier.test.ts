import { describe, expect, it } from "vitest";
import { ByteBoundedLru } from "../../../workers/memory/byte-bounded-lru";
import { l1MemoryTier } from "../../../workers/cache/l1-memory-tier";
import {
  decodedRecordBytes,
  type CacheRecord,
} from "../../../workers/cache/record";
import { LRU_ENTRY_OVERHEAD_BYTES } from "../../../workers/memory/byte-bounded-lru";

describe("L1 memory tier", () => {
  it("stays within its byte bound under a stream of distinct 2560-d inputs, keeping the newest", async () => {
    const maxBytes = 1024 * 1024;
    const lru = new ByteBoundedLru<CacheRecord>({
      maxBytes,
      sizeOf: decodedRecordBytes,
    });
    const tier = l1MemoryTier(lru);
    const record = (i: number): CacheRecord => ({
      vector: new Float32Array(2560).fill(i / 1e4),
      tokens: i,
    });
    for (let i = 0; i < 2000; i++) {
      await tier.putMany([
        { key: `k${i}`, record: record(i), bytes: new Uint8Array(0) },
      ]);
      expect(lru.bytes).toBeLessThanOrEqual(maxBytes);
    }
    // The rounded vector and the one served at full dimensions (2 x 10240), + 160 + 64.
    const perEntry = 2 * 10_240 + 160 + LRU_ENTRY_OVERHEAD_BYTES;
    expect(perEntry).toBe(20_704);
    expect(lru.size).toBe(Math.floor(maxBytes / perEntry));
    const [oldest, newest] = await tier.getMany(["k0", "k1999"]);
    expect(oldest).toBeUndefined();
    expect(newest?.tokens).toBe(1999);
    expect(decodedRecordBytes(newest!)).toBe(2 * 10_240 + 160);
    // The served vector is the rounded one over its L2 norm (computed here in float64).
    const value = Math.fround(1999 / 1e4);
    const expected = Math.fround(value / Math.sqrt(2560 * value * value));
    expect(newest!.unit!.length).toBe(2560);
    expect(newest!.unit!.every((x) => x === expected)).toBe(true);
  });
});
