/**
 * The per-input tiered cache through workerd, with L3 on a real redis-server behind the
 * Upstash REST bridge and the stand-in counting every input that reaches the "GPU".
 */
import OpenAI from "openai";
import { Redis } from "@upstash/redis";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { startEdge, type TestEdge, type TestTenant } from "../support/edge";
import { startStandin, type Standin } from "../support/standin";
import {
  BRIDGE_TOKEN,
  startCacheStack,
  type CacheStack,
} from "../support/cache-stack";
import { qwen3TokenCount } from "../support/qwen3-count";

const MODEL = "Qwen3-Embedding-4B";

let standin: Standin;
let stack: CacheStack;
let edge: TestEdge;
let second: TestTenant;
const extra: TestEdge[] = [];

beforeAll(async () => {
  [standin, stack] = await Promise.all([startStandin({}), startCacheStack()]);
  edge = await startEdge({ gpuUrls: [standin.url], stack });
  second = await edge.newTenant({ name: "second tenant" });
});
afterAll(async () => {
  await Promise.all([edge?.dispose(), ...extra.map((e) => e.dispose())]);
  await Promise.all([standin?.close(), stack?.close()]);
});
beforeEach(() => standin.resetStats());

let unique = 0;
const fresh = (label: string) => `${label} ${Date.now()} ${unique++}`;

type Body = {
  data: { index: number; embedding: string | number[] }[];
  usage: { prompt_tokens: number; total_tokens: number };
};

async function embed(
  input: unknown,
  extraBody: Record<string, unknown> = {},
  headers: Record<string, string> = {},
  target = edge,
) {
  const res = await target.embed(
    { model: MODEL, input, encoding_format: "base64", ...extraBody },
    headers,
  );
  expect(res.status).toBe(200);
  return {
    res,
    body: (await res.json()) as Body,
    xCache: res.headers.get("x-cache"),
  };
}

/** Write-back runs after the response (waitUntil): wait until Redis holds `count` vectors. */
async function waitForRedisKeys(count: number, target = stack): Promise<void> {
  const redis = new Redis({ url: target.bridge.url, token: BRIDGE_TOKEN });
  for (let i = 0; i < 100; i++) {
    if ((await redis.keys("emb:v1:*").catch(() => [])).length >= count) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`redis never reached ${count} keys`);
}

describe("per-input cache", () => {
  it("serves a second identical request with zero GPU calls and the same bytes", async () => {
    const text = fresh("repeat me");
    const first = await embed([text]);
    expect(first.xCache).toBe("hits=0 misses=1");
    const second = await embed([text]);
    expect(second.xCache).toBe("hits=1 misses=0");
    expect(second.body.data[0]!.embedding).toBe(first.body.data[0]!.embedding);
    expect(second.body.usage).toEqual(first.body.usage);
    expect(standin.stats().calls).toBe(1);
  });

  it("derives every dimension from one full vector: one GPU computation", async () => {
    const text = fresh("matryoshka");
    const sizes = [];
    for (const dimensions of [2560, 128, 32]) {
      const { body } = await embed([text], {
        dimensions,
        encoding_format: "float",
      });
      sizes.push((body.data[0]!.embedding as number[]).length);
    }
    expect(sizes).toEqual([2560, 128, 32]);
    expect(standin.stats().recent.map((r) => r.inputs)).toEqual([[text]]);
  });

  it("mixes hits and misses in one batch: right order, only misses upstream, exact usage", async () => {
    const [a, b, new1, new2] = [
      fresh("alpha"),
      fresh("bravo"),
      fresh("new one"),
      fresh("new two"),
    ];
    const single = async (t: string) =>
      (await embed([t])).body.data[0]!.embedding;
    const va = await single(a);
    const vb = await single(b);
    standin.resetStats();
    const { body, xCache } = await embed([a, new1, a, new2, b]);
    expect(xCache).toBe("hits=3 misses=2");
    expect(standin.stats().recent.map((r) => r.inputs)).toEqual([[new1, new2]]);
    expect(body.data.map((d) => d.index)).toEqual([0, 1, 2, 3, 4]);
    expect(body.data[0]!.embedding).toBe(va);
    expect(body.data[2]!.embedding).toBe(va);
    expect(body.data[4]!.embedding).toBe(vb);
    expect(body.data[1]!.embedding).toBe(await single(new1));
    expect(body.data[3]!.embedding).toBe(await single(new2));
    const count = async (t: string) => qwen3TokenCount(t);
    const expected =
      2 * (await count(a)) +
      (await count(new1)) +
      (await count(new2)) +
      (await count(b));
    expect(body.usage).toEqual({
      prompt_tokens: expected,
      total_tokens: expected,
    });
  });

  it("shares one entry between the official openai client (base64) and a float request", async () => {
    const text = fresh("sdk and curl");
    const client = new OpenAI({
      apiKey: edge.apiKey,
      baseURL: `${edge.url}/v1`,
      maxRetries: 0,
      fetch: edge.checkedFetch,
    });
    const viaSdk = await client.embeddings.create({
      model: MODEL,
      input: text,
    });
    const { body, xCache } = await embed([text], { encoding_format: "float" });
    expect(xCache).toBe("hits=1 misses=0");
    expect(body.data[0]!.embedding).toEqual(viaSdk.data[0]!.embedding);
    expect(standin.stats().calls).toBe(1);
  });

  it("answers from L3 in a fresh isolate (cold L1 and L2), with zero GPU calls", async () => {
    const text = fresh("shared across colos");
    const first = await embed([text]);
    await waitForRedisKeys(1);
    const cold = await startEdge({ gpuUrls: [standin.url], stack });
    extra.push(cold);
    standin.resetStats();
    const again = await embed(
      [text],
      {},
      { authorization: `Bearer ${edge.apiKey}` },
      cold,
    );
    expect(again.xCache).toBe("hits=1 misses=0");
    expect(again.body.data[0]!.embedding).toBe(first.body.data[0]!.embedding);
    expect(again.res.headers.get("server-timing")).toMatch(/cache-l3;dur=/);
    expect(standin.stats().calls).toBe(0);
  });

  it("honours cache-control: no-store writes nothing, no-cache recomputes", async () => {
    const text = fresh("controls");
    await embed([text], {}, { "cache-control": "no-store" });
    expect((await embed([text])).xCache).toBe("hits=0 misses=1");
    expect((await embed([text])).xCache).toBe("hits=1 misses=0");
    expect(
      (await embed([text], {}, { "cache-control": "no-cache" })).xCache,
    ).toBe("hits=0 misses=1");
    expect(standin.stats().calls).toBe(3);
  });

  it("keeps tenants apart under CACHE_SCOPE=tenant", async () => {
    const text = fresh("tenant secret");
    await embed([text]);
    const other = await edge.embed(
      { model: MODEL, input: [text] },
      { authorization: `Bearer ${second.apiKey}` },
    );
    expect(other.headers.get("x-cache")).toBe("hits=0 misses=1");
    expect(standin.stats().calls).toBe(2);
  });

  it("shares across tenants under CACHE_SCOPE=global", async () => {
    const global = await startEdge({
      gpuUrls: [standin.url],
      stack,
      vars: { CACHE_SCOPE: "global" },
    });
    extra.push(global);
    const globalSecond = await global.newTenant({ name: "another tenant" });
    const text = fresh("public text");
    await embed([text], {}, {}, global);
    const other = await global.embed(
      { model: MODEL, input: [text] },
      { authorization: `Bearer ${globalSecond.apiKey}` },
    );
    expect(other.headers.get("x-cache")).toBe("hits=1 misses=0");
    expect(standin.stats().calls).toBe(1);
  });

  it("computes identical concurrent requests once (single-flight)", async () => {
    standin.setFaults({ delayMs: 300 });
    try {
      const text = fresh("thundering herd");
      const results = await Promise.all(
        Array.from({ length: 5 }, () => embed([text])),
      );
      expect(new Set(results.map((r) => r.body.data[0]!.embedding)).size).toBe(
        1,
      );
      expect(standin.stats().calls).toBe(1);
    } finally {
      standin.setFaults({ delayMs: 0 });
    }
  });

  it("never caches a vector that failed validation", async () => {
    const text = fresh("poisoned");
    standin.setFaults({ malformed: "nan" });
    try {
      const bad = await edge.embed({ model: MODEL, input: [text] });
      expect(bad.status).toBe(502);
    } finally {
      standin.setFaults({ malformed: null });
    }
    const good = await embed([text]);
    expect(good.xCache).toBe("hits=0 misses=1");
    expect(standin.stats().calls).toBeGreaterThanOrEqual(2);
  });
});

describe("Redis outage", () => {
  it("keeps answering from the GPU with a logged warning, and writes resume when the cache's Redis is back", async () => {
    // The L3 cache on its own Upstash database (CACHE_UPSTASH_*), as production may run
    // it; tenancy, limits and usage stay on the main one, which keeps running.
    const cacheOnly = await startCacheStack();
    const isolated = await startEdge({
      gpuUrls: [standin.url],
      stack,
      vars: {
        CACHE_UPSTASH_REDIS_REST_URL: cacheOnly.bridge.url,
        CACHE_UPSTASH_REDIS_REST_TOKEN: BRIDGE_TOKEN,
        CACHE_TIER_TIMEOUT_MS: "200",
      },
    });
    extra.push(isolated);
    try {
      await cacheOnly.redis.stop();
      const during = fresh("during outage");
      const res = await isolated.embed({ model: MODEL, input: [during] });
      expect(res.status).toBe(200);
      expect(res.headers.get("x-cache")).toBe("hits=0 misses=1");
      // Both the lookup and the write-back (held up to 250 ms for its flush) fail and are logged.
      const warned = (op: string) =>
        isolated.logs.some(
          (l) =>
            l.includes('"event":"cache_tier_skipped"') &&
            l.includes('"tier":"l3"') &&
            l.includes(`"op":"${op}"`),
        );
      for (let i = 0; i < 100 && !(warned("get") && warned("put")); i++)
        await new Promise((r) => setTimeout(r, 50));
      expect([warned("get"), warned("put")]).toEqual([true, true]);

      await cacheOnly.redis.restart();
      // The bridge reconnects by itself; the edge needs no restart. Wait for the bridge only.
      const probe = new Redis({
        url: cacheOnly.bridge.url,
        token: BRIDGE_TOKEN,
      });
      for (
        let i = 0;
        i < 100 && (await probe.ping().catch(() => "down")) !== "PONG";
        i++
      )
        await new Promise((r) => setTimeout(r, 50));
      const after = fresh("after outage");
      expect(
        (await isolated.embed({ model: MODEL, input: [after] })).status,
      ).toBe(200);
      await waitForRedisKeys(1, cacheOnly);
      const keys = await probe.keys("emb:v1:*");
      expect(keys).toHaveLength(1);
      expect(keys[0]).toBe(
        `emb:v1:tenant:${isolated.tenant.tenantId}:${keys[0]!.split(":").pop()}`,
      );
      expect(keys[0]).toMatch(
        /^emb:v1:tenant:ten_[0-9A-Za-z]{16}:[A-Za-z0-9_-]{43}$/,
      );
    } finally {
      await cacheOnly.close();
    }
  });
});
