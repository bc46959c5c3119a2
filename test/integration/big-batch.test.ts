/**
 * A 2,048-input miss batch and the requests after it, through workerd with L3 on a real
 * redis-server behind the Upstash REST bridge. Before the fix the whole write-back went
 * to L3 as one pipeline of ~14 MB (over Upstash's 10 MB request limit and the bridge's
 * 10 MiB one) and under `wrangler dev` the next request got a 503 "Your worker restarted
 * mid-request". Here the cause is asserted where it lived: every L3 write is a bounded
 * flush (one EVALSHA of the SET-all script carrying at most 100 records), counted at
 * redis-server; and the batch and the requests after it all answer 200 with exact
 * envelopes.
 */
import { Redis } from "@upstash/redis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startEdge, type TestEdge } from "../support/edge";
import { startStandin, type Standin } from "../support/standin";
import {
  BRIDGE_TOKEN,
  startCacheStack,
  type CacheStack,
} from "../support/cache-stack";
import {
  startCommandCounter,
  type CommandCounter,
} from "../support/command-stats";
import { qwen3TokenCount } from "../support/qwen3-count";
import {
  SET_ALL_SCRIPT,
  SET_ALL_SCRIPT_SHA1,
} from "../../workers/cache/l3-redis-tier";

const MODEL = "Qwen3-Embedding-4B";
const BATCH = 2048;
// base64 of 2560 little-endian float32 values: 10,240 bytes -> 4 * ceil(10240 / 3) characters.
const BASE64_VECTOR_CHARS = 4 * Math.ceil((2560 * 4) / 3);

let standin: Standin;
let stack: CacheStack;
let edge: TestEdge;
let writes: CommandCounter;

beforeAll(async () => {
  [standin, stack] = await Promise.all([startStandin({}), startCacheStack()]);
  // Loaded up front, so every write is one EVALSHA (no NOSCRIPT retry to count).
  const loaded = await new Redis({
    url: stack.bridge.url,
    token: BRIDGE_TOKEN,
  }).scriptLoad(SET_ALL_SCRIPT);
  expect(loaded).toBe(SET_ALL_SCRIPT_SHA1);
  // Each SET-all EVALSHA counted by how many records (KEYS) it carries; other commands ignored.
  writes = await startCommandCounter(stack.redis.url, (args) =>
    args[0]?.toLowerCase() === "evalsha" && args[1] === SET_ALL_SCRIPT_SHA1
      ? `set-all:${args[2]}`
      : "other",
  );
  // A generous tier budget: this test counts every write, so none may be cut by a busy machine.
  edge = await startEdge({
    gpuUrls: [standin.url],
    stack,
    vars: { CACHE_TIER_TIMEOUT_MS: "2000" },
  });
});
afterAll(async () => {
  await writes?.stop();
  await edge?.dispose();
  await Promise.all([standin?.close(), stack?.close()]);
});

type Body = {
  object: string;
  data: { object: string; index: number; embedding: string }[];
  model: string;
  usage: { prompt_tokens: number; total_tokens: number };
};

async function embed(input: string | string[]) {
  const res = await edge.embed({
    model: MODEL,
    input,
    encoding_format: "base64",
  });
  expect(res.status).toBe(200);
  expect(res.headers.get("content-type")).toBe("application/json");
  return {
    body: (await res.json()) as Body,
    xCache: res.headers.get("x-cache"),
  };
}

async function waitForRedisKeys(count: number): Promise<number> {
  const redis = new Redis({ url: stack.bridge.url, token: BRIDGE_TOKEN });
  let seen = 0;
  for (let i = 0; i < 400; i++) {
    seen = (await redis.keys("emb:v1:*")).length;
    if (seen >= count) return seen;
    await new Promise((r) => setTimeout(r, 100));
  }
  return seen;
}

describe("a 2,048-input miss batch", () => {
  it(
    "answers 200, writes back in bounded pipelines, and the requests after it answer 200",
    { timeout: 300_000 },
    async () => {
      const texts = Array.from(
        { length: BATCH },
        (_, i) =>
          `big batch input ${i}: the tenant's ticket about invoice ${i * 7919}`,
      );
      const expectedTokens = (
        await Promise.all(texts.map((t) => qwen3TokenCount(t)))
      ).reduce((a, b) => a + b, 0);
      await writes.reset();

      const big = await embed(texts);
      expect(big.xCache).toBe(`hits=0 misses=${BATCH}`);
      expect(big.body.object).toBe("list");
      expect(big.body.model).toBe(MODEL);
      expect(big.body.usage).toEqual({
        prompt_tokens: expectedTokens,
        total_tokens: expectedTokens,
      });
      expect(big.body.data.map((d) => d.index)).toEqual(texts.map((_, i) => i));
      expect(new Set(big.body.data.map((d) => d.object))).toEqual(
        new Set(["embedding"]),
      );
      expect(new Set(big.body.data.map((d) => d.embedding.length))).toEqual(
        new Set([BASE64_VECTOR_CHARS]),
      );
      expect(standin.stats().inputs).toBe(BATCH);

      // Every record reaches Redis, in 20 flushes of exactly 100 records and one of the last 48.
      expect(await waitForRedisKeys(BATCH)).toBe(BATCH);
      const { other: _other, ...flushes } = await writes.counts();
      expect(flushes).toEqual({ "set-all:100": 20, "set-all:48": 1 });

      // The requests after it: a hit from the batch (same bytes) and a fresh miss.
      const again = await embed(texts[1234]!);
      expect(again.xCache).toBe("hits=1 misses=0");
      expect(again.body.data).toEqual([
        {
          object: "embedding",
          index: 0,
          embedding: big.body.data[1234]!.embedding,
        },
      ]);
      const fresh = await embed("a small request after the big batch");
      expect(fresh.xCache).toBe("hits=0 misses=1");
      expect(fresh.body.data[0]!.embedding).toHaveLength(BASE64_VECTOR_CHARS);
      const tokens = await qwen3TokenCount(
        "a small request after the big batch",
      );
      expect(fresh.body.usage).toEqual({
        prompt_tokens: tokens,
        total_tokens: tokens,
      });
    },
  );
});
