/**
 * L3: Upstash Redis, shared by every colo. A request's keys are read with one MGET.
 * Writes (new vectors, and fills of hits from no tier above) join the isolate's
 * write-back queue: write-backs from concurrent requests go out together, one EVALSHA
 * per flush (billed as one command) that SETs every entry with the TTL, each flush
 * bounded by L3_WRITE_LIMIT (the tiered cache also hands over a big batch in chunks of
 * WRITE_BACK_CHUNK_RECORDS, encoded one at a time, so encoding yields). Values are the
 * record as base64 text. The client never
 * retries on its own: the tier's time budget is the tiered cache's to enforce, and a
 * slow Redis must cost a request at most that budget.
 */
import type { Redis } from "@upstash/redis/cloudflare";
import { mapInChunks } from "../cpu/map-in-chunks";
import {
  createGroupCommit,
  type GroupCommit,
} from "../group-commit/group-commit";
import { recordFromBase64, recordToBase64 } from "./record";
import { luaScript, runScript, type ScriptRedis } from "../upstash/lua-script";
import type { CacheTier } from "./tier";
import { WRITE_BACK_CHUNK_RECORDS } from "./tiered-cache";

export type RedisForCache = Pick<Redis, "mget"> & ScriptRedis;

/**
 * The most one write to L3 carries: entries, and bytes of keys and values. 100 full
 * float16 records (~7 KB of base64 each) fit in 1 MB, Upstash's smallest request size
 * limit (https://upstash.com/docs/redis/troubleshooting/max_request_size_exceeded).
 */
export const L3_WRITE_LIMIT = {
  entries: WRITE_BACK_CHUNK_RECORDS,
  bytes: 1_000_000,
} as const;

/** How long the first write-back of a flush waits for others, ms. */
export const WRITE_BACK_WAIT_MS = 250;

/** A record on its way to L3: its key and the base64 text stored under it. */
export interface L3Entry {
  key: string;
  value: string;
}

export type WriteBackQueue = GroupCommit<L3Entry>;

// KEYS: the cache keys; ARGV[1] the TTL in seconds, ARGV[i + 1] the value of KEYS[i].
export const SET_ALL_SCRIPT = `for i = 1, #KEYS do
  redis.call('SET', KEYS[i], ARGV[i + 1], 'EX', ARGV[1])
end
return #KEYS`;
/** SHA-1 of SET_ALL_SCRIPT (checked offline by test/unit/upstash/lua-scripts.test.ts). */
export const SET_ALL_SCRIPT_SHA1 = "01cc34c075d88dbf4354424355fc44bab156603d";
const SET_ALL = luaScript(SET_ALL_SCRIPT, SET_ALL_SCRIPT_SHA1);

/** SETs every entry with the TTL in ONE command (EVALSHA). Callers keep a batch within L3_WRITE_LIMIT. */
export async function writeL3Entries(
  redis: ScriptRedis,
  ttlSeconds: number,
  entries: readonly L3Entry[],
): Promise<void> {
  if (entries.length === 0) return;
  await runScript(
    redis,
    SET_ALL,
    entries.map((e) => e.key),
    [String(ttlSeconds), ...entries.map((e) => e.value)],
  );
}

/**
 * The isolate's write-back queue for one L3 database and TTL: entries from concurrent
 * requests flushed together, `maxWaitMs` (250 ms) after the first or once a flush
 * would pass L3_WRITE_LIMIT. `add` settles when the entries are written (rejects if
 * their flush failed): hand it to `waitUntil`.
 */
export function createWriteBackQueue(
  redis: ScriptRedis,
  ttlSeconds: number,
  options: { maxWaitMs?: number } = {},
): WriteBackQueue {
  return createGroupCommit<L3Entry>({
    commit: (entries) => writeL3Entries(redis, ttlSeconds, entries),
    maxWaitMs: options.maxWaitMs ?? WRITE_BACK_WAIT_MS,
    maxItems: L3_WRITE_LIMIT.entries,
    maxBytes: L3_WRITE_LIMIT.bytes,
    sizeOf: (entry) => entry.key.length + entry.value.length,
  });
}

export function l3RedisTier(
  redis: Pick<Redis, "mget">,
  writeBack: WriteBackQueue,
): CacheTier {
  return {
    name: "l3",
    async getMany(keys) {
      const values = await redis.mget<(string | null)[]>(...keys);
      // Decoding (base64, float16, norm check) is ~tens of µs per record: a large batch yields between slices.
      return mapInChunks(values, (v) =>
        typeof v === "string" ? (recordFromBase64(v) ?? undefined) : undefined,
      );
    },
    putMany(entries) {
      return writeBack.add(
        entries.map(({ key, bytes }) => ({
          key,
          value: recordToBase64(bytes),
        })),
      );
    },
  };
}
