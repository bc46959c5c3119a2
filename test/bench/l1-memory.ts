/**
 * Measures what V8 really allocates per L1 entry, in a fresh process (run with
 * --expose-gc) so no earlier benchmark's garbage is collected in the middle of it.
 * Prints one JSON line: { charged, measured, entries }.
 */
import {
  ByteBoundedLru,
  LRU_ENTRY_OVERHEAD_BYTES,
} from "../../workers/memory/byte-bounded-lru";
import {
  decodedRecordBytes,
  type CacheRecord,
} from "../../workers/cache/record";

const gc = globalThis.gc;
if (!gc) throw new Error("run with --expose-gc");
const key = "emb:v1:tenant:key_0123456789abcdef:" + "A".repeat(43);
// An L1 entry holds the rounded vector and the one served at full dimensions (l1-memory-tier.ts).
const charged =
  decodedRecordBytes({
    vector: new Float32Array(2560),
    tokens: 1,
    unit: new Float32Array(2560),
  }) +
  key.length * 2 +
  LRU_ENTRY_OVERHEAD_BYTES;
const entries = 2000;
const lru = new ByteBoundedLru<CacheRecord>({
  maxBytes: 1 << 30,
  sizeOf: decodedRecordBytes,
});
gc();
const before = process.memoryUsage();
// Filled vectors: a zero-filled buffer may not be committed memory yet.
for (let i = 0; i < entries; i++) {
  lru.set(`${key}${i}`, {
    vector: new Float32Array(2560).fill(i / entries),
    tokens: i,
    unit: new Float32Array(2560).fill(1 / entries),
  });
}
gc();
const after = process.memoryUsage();
const measured =
  (after.heapUsed +
    after.arrayBuffers -
    before.heapUsed -
    before.arrayBuffers) /
  lru.size;
console.log(
  JSON.stringify({
    charged,
    measured: Math.round(measured),
    entries: lru.size,
  }),
);
