/**
 * Usage by group commit through workerd, with Redis behind the bridge and the real
 * usage queue (Miniflare): concurrent requests' events are written by a few shared
 * flushes, each request's own waitUntil carrying its flush to Redis with no later
 * traffic, exact across disposal of the edge; and a flush that fails goes to the queue,
 * each event applied exactly once.
 *
 * Disposal: Miniflare's dispose() SIGKILLs workerd (miniflare 4.20260426.0,
 * dist/src/index.js, Runtime.dispose), and SIGTERM does not drain either (tried), so
 * nothing still pending in a waitUntil survives it, whatever the Worker does. What a
 * Worker controls, and what this checks, is that the flush needs nothing after the
 * answers but the answering requests' own waitUntils, which Cloudflare runs to the end
 * even for an isolate about to go (https://developers.cloudflare.com/workers/runtime-apis/context/#waituntil).
 */
import { Redis as IORedis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startEdge, type TestEdge, type TestTenant } from "../support/edge";
import { startStandin, type Standin } from "../support/standin";
import { startCacheStack, type CacheStack } from "../support/cache-stack";
import {
  startCommandCounter,
  type CommandCounter,
} from "../support/command-stats";

const MODEL = "Qwen3-Embedding-4B";
const HELLO = "Hello, my dog is cute"; // 7 tokens with end-of-text
let standin: Standin;

beforeAll(async () => {
  standin = await startStandin({});
});
afterAll(async () => {
  await standin?.close();
});

const embedAs = (edge: TestEdge, tenant: TestTenant, input: unknown) =>
  edge.embed(
    { model: MODEL, input, encoding_format: "base64" },
    { authorization: `Bearer ${tenant.apiKey}` },
  );

/** The tenant's counters for today, read from redis-server directly (not through the edge). */
async function usageInRedis(
  direct: IORedis,
  tenantId: string,
): Promise<Record<string, number>> {
  const day = new Date().toISOString().slice(0, 10);
  const hash = await direct.hgetall(`usage:${tenantId}:${day}`);
  return Object.fromEntries(
    Object.entries(hash).map(([k, v]) => [k, Number(v)]),
  );
}

async function eventually<T>(
  read: () => Promise<T>,
  ok: (value: T) => boolean,
  timeoutMs = 30_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (ok(value) || Date.now() > deadline) return value;
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Usage EVALSHAs (they name `usage:event:` keys) apart from every other command. */
const usageWrites = (args: string[]) =>
  args[0]?.toLowerCase() === "evalsha" &&
  args.some((a) => a.startsWith("usage:event:"))
    ? "usage"
    : "other";

describe("group commit in workerd", () => {
  let stack: CacheStack;
  let direct: IORedis;
  let commands: CommandCounter;
  beforeAll(async () => {
    stack = await startCacheStack();
    direct = new IORedis(stack.redis.url);
    commands = await startCommandCounter(stack.redis.url, usageWrites);
  });
  afterAll(async () => {
    direct?.disconnect();
    await commands?.stop();
    await stack?.close();
  });

  it("meters 40 concurrent requests exactly, in fewer writes than requests, with no traffic after the answers; exact after disposal", async () => {
    const edge = await startEdge({ gpuUrls: [standin.url], stack });
    const tenant = await edge.newTenant();
    let usage: Record<string, number> = {};
    try {
      expect((await embedAs(edge, tenant, HELLO)).status).toBe(200); // key and vector warm
      await eventually(
        () => usageInRedis(direct, tenant.tenantId),
        (u) => u.requests === 1,
      );
      await commands.reset();
      const answers = await Promise.all(
        Array.from({ length: 40 }, () => embedAs(edge, tenant, HELLO)),
      );
      expect(answers.map((a) => a.status)).toEqual(Array(40).fill(200));
      await Promise.all(answers.map((a) => a.arrayBuffer()));
      // Nothing reaches the edge from here on: only the answered requests' waitUntils write.
      const expected = {
        requests: 41,
        inputs: 41,
        tokens_computed: 7,
        tokens_cached: 40 * 7,
        gpu_ms: expect.any(Number),
      };
      usage = await eventually(
        () => usageInRedis(direct, tenant.tenantId),
        (u) => u.requests === 41,
      );
      expect(usage).toMatchObject(expected);
      const writes = (await commands.counts()).usage ?? 0;
      expect(writes).toBeGreaterThanOrEqual(1);
      expect(writes).toBeLessThan(40);
    } finally {
      await edge.dispose();
    }
    // Disposal changed nothing, and nothing is applied twice by anything left over.
    await new Promise((r) => setTimeout(r, 500));
    expect(await usageInRedis(direct, tenant.tenantId)).toEqual(usage);
  }, 90_000);

  it("queues a failed flush and applies each of its events exactly once", async () => {
    // Rate limits off: no event is admitted fail-open, so every one goes through the batch.
    const edge = await startEdge({
      gpuUrls: [standin.url],
      stack,
      vars: {
        RATE_LIMITS: "off",
        TENANT_CACHE_TTL_MS: "5000",
        TENANCY_REDIS_TIMEOUT_MS: "300",
        CACHE_TIER_TIMEOUT_MS: "100",
      },
    });
    try {
      const tenant = await edge.newTenant();
      expect((await embedAs(edge, tenant, HELLO)).status).toBe(200); // key in the isolate's cache
      await eventually(
        () => usageInRedis(direct, tenant.tenantId),
        (u) => u.requests === 1,
      );
      await stack.stopBridge();
      let answers: Response[];
      try {
        answers = await Promise.all(
          Array.from({ length: 5 }, (_, i) =>
            embedAs(edge, tenant, [HELLO, `outage ${i}`]),
          ),
        );
        const queued = () =>
          edge.logs
            .filter((l) =>
              l.includes("usage write failed; events queued for retry"),
            )
            .flatMap(
              (l) => (JSON.parse(l) as { event_ids: string[] }).event_ids,
            );
        await eventually(
          async () => queued().length,
          (n) => n >= 5,
          20_000,
        );
        expect(queued()).toHaveLength(5);
        expect(new Set(queued()).size).toBe(5);
      } finally {
        await stack.startBridge();
      }
      expect(answers.map((a) => a.status)).toEqual(Array(5).fill(200));
      const inputTokens = await Promise.all(
        answers.map(
          async (a) =>
            ((await a.json()) as { usage: { prompt_tokens: number } }).usage
              .prompt_tokens,
        ),
      );
      const usage = await eventually(
        () => usageInRedis(direct, tenant.tenantId),
        (u) => u.requests === 6,
        60_000,
      );
      expect(usage).toMatchObject({ requests: 6, inputs: 1 + 10 });
      expect(usage.tokens_computed! + usage.tokens_cached!).toBe(
        7 + inputTokens.reduce((a, b) => a + b, 0),
      );
      // Redeliveries (the queue retries a message whose ack was lost) would show here.
      await new Promise((r) => setTimeout(r, 2000));
      expect(await usageInRedis(direct, tenant.tenantId)).toEqual(usage);
    } finally {
      await edge.dispose();
    }
  }, 120_000);
});
