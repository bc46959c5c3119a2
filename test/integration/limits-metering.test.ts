/**
 * Rate limits, quotas and usage metering through workerd, on tenants created through
 * the admin API, with Redis behind the bridge and the real usage queue (Miniflare).
 */
import { Redis } from "@upstash/redis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startEdge, type TestEdge, type TestTenant } from "../support/edge";
import { startStandin, type Standin } from "../support/standin";
import {
  BRIDGE_TOKEN,
  startCacheStack,
  type CacheStack,
} from "../support/cache-stack";
import { qwen3TokenCount } from "../support/qwen3-count";
import { newUsageEvent, utcDay } from "../../workers/metering/usage-event";

const MODEL = "Qwen3-Embedding-4B";
const HELLO = "Hello, my dog is cute"; // 7 tokens with end-of-text
let standin: Standin;
let stack: CacheStack;
let edge: TestEdge;

beforeAll(async () => {
  [standin, stack] = await Promise.all([startStandin({}), startCacheStack()]);
  edge = await startEdge({
    gpuUrls: [standin.url],
    stack,
    vars: {
      TENANT_CACHE_TTL_MS: "5000",
      TENANCY_REDIS_TIMEOUT_MS: "300",
      CACHE_TIER_TIMEOUT_MS: "100",
    },
  });
});
afterAll(async () => {
  await edge?.dispose();
  await Promise.all([standin?.close(), stack?.close()]);
});

function embedAs(tenant: TestTenant, input: unknown) {
  return edge.embed(
    { model: MODEL, input, encoding_format: "base64" },
    { authorization: `Bearer ${tenant.apiKey}` },
  );
}

async function usageOf(tenant: TestTenant) {
  const res = await edge.fetch("/v1/usage", {
    headers: { authorization: `Bearer ${tenant.apiKey}` },
  });
  expect(res.status).toBe(200);
  return ((await res.json()) as { totals: Record<string, number> }).totals;
}

async function eventually<T>(
  read: () => Promise<T>,
  ok: (value: T) => boolean,
  timeoutMs = 30_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read().catch(() => undefined as T);
    if (value !== undefined && ok(value)) return value;
    if (Date.now() > deadline) return value;
    await new Promise((r) => setTimeout(r, 200));
  }
}

describe("rate limits", () => {
  it("with 10 requests/minute, exactly 10 of 15 fast requests pass; the rest get 429 with headers", async () => {
    const tenant = await edge.newTenant({ plan: { requests_per_minute: 10 } });
    const results = [];
    for (let i = 0; i < 15; i++) {
      const res = await embedAs(tenant, `rpm ${i}`);
      results.push({
        status: res.status,
        headers: res.headers,
        body: await res.json(),
      });
    }
    expect(results.map((r) => r.status)).toEqual([
      ...Array(10).fill(200),
      ...Array(5).fill(429),
    ]);
    expect(
      results
        .slice(0, 10)
        .map((r) => r.headers.get("x-ratelimit-remaining-requests")),
    ).toEqual(["9", "8", "7", "6", "5", "4", "3", "2", "1", "0"]);
    for (const r of results) {
      expect(r.headers.get("x-ratelimit-limit-requests")).toBe("10");
      expect(r.headers.get("x-ratelimit-limit-tokens")).toBe("1000000");
      expect(r.headers.get("x-ratelimit-reset-requests")).toMatch(
        /^(\d+ms|\d+(\.\d+)?s|\d+m\d+(\.\d+)?s)$/,
      );
      expect(r.headers.get("ratelimit-policy")).toBe(
        '"requests";q=10;w=60, "tokens";q=1000000;qu="tokens";w=60, "monthly-tokens";q=100000000;qu="tokens"',
      );
    }
    const refused = results[10]!;
    expect(Number(refused.headers.get("retry-after"))).toBeGreaterThanOrEqual(
      1,
    );
    // Per-minute windows slide in one-second slots: the first request's slot leaves up to 61 s later.
    expect(Number(refused.headers.get("retry-after"))).toBeLessThanOrEqual(61);
    expect(refused.headers.get("retry-after-ms")).toMatch(/^\d+$/);
    expect(refused.headers.get("x-ratelimit-remaining-requests")).toBe("0");
    expect(refused.body).toMatchObject({
      error: {
        type: "rate_limit_exceeded",
        code: "rate_limit_exceeded",
        param: null,
      },
    });
    expect(
      (refused.body as { error: { message: string } }).error.message,
    ).toMatch(/^Rate limit reached for requests per min \(RPM\)/);
  });

  it("enforces tokens per minute on exact counts, cached inputs included", async () => {
    expect(await qwen3TokenCount(HELLO)).toBe(7);
    const tenant = await edge.newTenant({ plan: { tokens_per_minute: 20 } });
    const first = await embedAs(tenant, HELLO);
    expect(first.status).toBe(200);
    expect(first.headers.get("x-ratelimit-remaining-tokens")).toBe("13");
    const second = await embedAs(tenant, HELLO); // a cache hit, still 7 tokens
    expect(second.headers.get("x-cache")).toBe("hits=1 misses=0");
    expect(second.headers.get("x-ratelimit-remaining-tokens")).toBe("6");
    const third = await embedAs(tenant, HELLO);
    expect(third.status).toBe(429);
    expect(
      ((await third.json()) as { error: { code: string } }).error.code,
    ).toBe("rate_limit_exceeded");
    expect(third.headers.get("x-ratelimit-remaining-tokens")).toBe("6");
  });

  it("refuses over the monthly quota with insufficient_quota", async () => {
    const tenant = await edge.newTenant({ plan: { tokens_per_month: 10 } });
    expect((await embedAs(tenant, HELLO)).status).toBe(200);
    const over = await embedAs(tenant, HELLO);
    expect(over.status).toBe(429);
    expect(
      ((await over.json()) as { error: { type: string; code: string } }).error,
    ).toMatchObject({ type: "insufficient_quota", code: "insufficient_quota" });
  });

  it("refuses more inputs than the plan allows per request", async () => {
    const tenant = await edge.newTenant({
      plan: { max_inputs_per_request: 2 },
    });
    const res = await embedAs(tenant, ["a b", "c d", "e f"]);
    expect(res.status).toBe(400);
    expect(
      ((await res.json()) as { error: { param: string } }).error.param,
    ).toBe("input");
  });
});

describe("metering", () => {
  it("totals equal what the requests did, hits and misses, also across a Redis outage, and quota catches up", async () => {
    const tenant = await edge.newTenant();
    // c is longer than a and b together: more than the isolate's monthly-token lease after the
    // second request (its recent rate, ta + tb), so it cannot be admitted from the lease and
    // must wait on Redis, which is down: the fail-open path under test.
    const [a, b, c] = [
      "metered alpha text",
      "metered bravo text",
      "metered charlie text, long enough to need more tokens than alpha and bravo together",
    ];
    const [ta, tb, tc] = (await Promise.all(
      [a, b, c].map(qwen3TokenCount),
    )) as [number, number, number];
    expect(tc).toBeGreaterThan(ta + tb);
    expect((await embedAs(tenant, [a, b])).status).toBe(200); // 2 misses
    expect((await embedAs(tenant, [a, a])).status).toBe(200); // hit + duplicate
    // The Upstash endpoint (tenancy, limits, usage and L3) goes away with its data intact;
    // the key is still in the isolate's lookup cache.
    await stack.stopBridge();
    try {
      const during = await embedAs(tenant, [c]); // admitted fail-open, usage to the queue
      expect(during.status).toBe(200);
      const warned = () =>
        edge.logs.some(
          (l) =>
            l.includes('"event":"rate_limiter_unavailable"') &&
            l.includes(tenant.tenantId),
        );
      for (let i = 0; i < 40 && !warned(); i++)
        await new Promise((r) => setTimeout(r, 50));
      expect(warned()).toBe(true);
    } finally {
      await stack.startBridge();
    }
    const expected = {
      requests: 3,
      inputs: 5,
      tokens_computed: ta + tb + tc,
      tokens_cached: 2 * ta,
    };
    const totals = await eventually(
      () => usageOf(tenant),
      (t) => t.requests === 3,
      40_000,
    );
    expect(totals).toMatchObject(expected);
    // The fail-open request's tokens were charged to the month once Redis answered. The
    // counter also holds the lease the second request took (ta + tb, the isolate's recent
    // rate): the third request's call tried to return it and failed with Redis down, so it
    // stays counted until the month ends (leases are counted when granted).
    const redis = new Redis({ url: stack.bridge.url, token: BRIDGE_TOKEN });
    const month = new Date().toISOString().slice(0, 7);
    const total = ta + tb + 2 * ta + tc + (ta + tb);
    const charged = await eventually(
      () =>
        redis.get<number>(`limits:monthly-tokens:${tenant.tenantId}:${month}`),
      (v) => Number(v) === total,
      40_000,
    );
    expect(Number(charged)).toBe(total);
  }, 90_000);

  it("counts a redelivered queue message once", async () => {
    const tenant = await edge.newTenant();
    const event = newUsageEvent({
      tenantId: tenant.tenantId,
      inputs: 3,
      tokensComputed: 30,
      tokensCached: 12,
      gpuMs: 5,
    });
    const queue = (await edge.bindings()).USAGE_QUEUE as {
      send(body: unknown): Promise<void>;
    };
    await queue.send(event);
    await queue.send(event); // the same event delivered again
    const totals = await eventually(
      () => usageOf(tenant),
      (t) => (t.requests ?? 0) >= 1,
      20_000,
    );
    await new Promise((r) => setTimeout(r, 2000)); // give a second application every chance
    expect(await usageOf(tenant)).toMatchObject({
      requests: 1,
      inputs: 3,
      tokens_computed: 30,
      tokens_cached: 12,
      gpu_ms: 5,
    });
    expect(totals.requests).toBe(1);
    expect(utcDay(new Date())).toBe(event.day);
  });
});

it("never logs an API key or the admin token", () => {
  expect(edge.logs.join("\n")).not.toMatch(
    /sk_(live|test)_[0-9A-Za-z]{16}_[0-9A-Za-z]{32}|test-admin-token/,
  );
});
