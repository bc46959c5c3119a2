// The L3 write-back queue against a real redis-server behind the bridge: write-backs
// from concurrent requests go out in ONE command per flush (counted at redis-server),
// every flush stays within L3_WRITE_LIMIT, values and TTLs land exactly, and a failed
// flush fails every write that was in it.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Redis } from "@upstash/redis";
import { Redis as IORedis } from "ioredis";
import {
  BRIDGE_TOKEN,
  startCacheStack,
  type CacheStack,
} from "../../support/cache-stack";
import {
  startCommandCounter,
  type CommandCounter,
} from "../../support/command-stats";
import {
  createWriteBackQueue,
  L3_WRITE_LIMIT,
  writeL3Entries,
  type L3Entry,
} from "../../../workers/cache/l3-redis-tier";

let stack: CacheStack;
let redis: Redis;
let direct: IORedis;
let commands: CommandCounter;

/** A client configured like the edge's cache client: raw replies, no retries. */
const rawClient = (url: string) =>
  new Redis({
    url,
    token: BRIDGE_TOKEN,
    retry: false,
    enableTelemetry: false,
    enableAutoPipelining: true,
    automaticDeserialization: false,
    responseEncoding: false,
  });

beforeAll(async () => {
  stack = await startCacheStack();
  redis = rawClient(stack.bridge.url);
  direct = new IORedis(stack.redis.url);
  commands = await startCommandCounter(stack.redis.url);
  await writeL3Entries(redis, 60, [{ key: "warm", value: "x" }]); // loads the script: one EVALSHA per flush below
});
afterAll(async () => {
  direct?.disconnect();
  await commands?.stop();
  await stack?.close();
});

let unique = 0;
const entries = (count: number, valueBytes = 16): L3Entry[] =>
  Array.from({ length: count }, (_, i) => ({
    key: `emb:test:${unique}:${i}`,
    value: `${String(i).padEnd(valueBytes, "v")}`,
  })).map((e) => e);

describe("createWriteBackQueue", () => {
  it("sends the write-backs of concurrent requests in ONE command, with their values and TTL", async () => {
    unique++;
    const queue = createWriteBackQueue(redis, 3600, { maxWaitMs: 50 });
    const all = entries(30);
    await commands.reset();
    // Six requests, five new vectors each.
    await Promise.all(
      [0, 1, 2, 3, 4, 5].map((r) => queue.add(all.slice(5 * r, 5 * r + 5))),
    );
    expect(await commands.counts()).toEqual({ evalsha: 1 });
    expect(await direct.mget(...all.map((e) => e.key))).toEqual(
      all.map((e) => e.value),
    );
    const ttls = await Promise.all(all.map((e) => direct.ttl(e.key)));
    expect(ttls.every((ttl) => ttl > 3590 && ttl <= 3600)).toBe(true);
  });

  it("bounds every flush by L3_WRITE_LIMIT: entries, then bytes", async () => {
    expect(L3_WRITE_LIMIT).toEqual({ entries: 100, bytes: 1_000_000 });
    unique++;
    const queue = createWriteBackQueue(redis, 60, { maxWaitMs: 600_000 }); // only the bounds flush
    await commands.reset();
    // 200 small entries: two full flushes of 100.
    await queue.add(entries(200));
    expect(await commands.counts()).toEqual({ evalsha: 2 });

    unique++;
    // 300,000-byte values: 3 fit in 1,000,000 bytes, a 4th would not; 6 entries -> 2 flushes of 3
    // (the first closed by the bytes, the second by its wait; one flush of 6 without the bound).
    const big = entries(6, 300_000);
    const shortWait = createWriteBackQueue(redis, 60, { maxWaitMs: 50 });
    await commands.reset();
    await shortWait.add(big);
    expect(await commands.counts()).toEqual({ evalsha: 2 });
    expect(
      (await direct.mget(...big.map((e) => e.key))).map((v) => v?.length),
    ).toEqual(Array(6).fill(300_000));
  });

  it("fails every write of a flush that failed", async () => {
    const queue = createWriteBackQueue(rawClient("http://127.0.0.1:9"), 60, {
      maxWaitMs: 20,
    });
    const results = await Promise.allSettled([
      queue.add(entries(2)),
      queue.add(entries(3)),
    ]);
    expect(results.map((r) => r.status)).toEqual(["rejected", "rejected"]);
  });
});
