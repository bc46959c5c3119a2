// @upstash/ratelimit 2.2 through the bridge: its `#!lua flags=allow-key-locking`
// scripts run on stock Redis, EVALSHA with its precomputed hashes works after the first
// EVAL, and the limits come out exact.
import { Ratelimit } from "@upstash/ratelimit";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { startBridgeFixture, type BridgeFixture } from "./bridge-fixture";

let fx: BridgeFixture;

beforeAll(async () => {
  fx = await startBridgeFixture();
});
afterAll(async () => {
  await fx?.stop();
});
beforeEach(async () => {
  await fx.direct().flushall();
  // Scripts outlive FLUSHALL; each test starts with Redis's script cache empty.
  await fx.direct().script("FLUSH");
  fx.events.length = 0;
});

const WINDOW_MS = 10_000;

/**
 * Waits until at least `marginMs` remain in the current window: the calls under test
 * then all land in one window, so a boundary cannot change the allowed count.
 */
async function awayFromWindowEdge(marginMs = 2_000): Promise<void> {
  const left = WINDOW_MS - (Date.now() % WINDOW_MS);
  if (left < marginMs)
    await new Promise((resolve) => setTimeout(resolve, left + 50));
}

function limiter(algorithm: Ratelimit["limiter"], prefix: string): Ratelimit {
  return new Ratelimit({
    redis: fx.client(),
    limiter: algorithm,
    prefix,
    // Off so that every call reaches Redis, rather than being blocked in memory.
    ephemeralCache: false,
    analytics: false,
  });
}

async function sevenCalls(ratelimit: Ratelimit, identifier: string) {
  const results = [];
  for (let i = 0; i < 7; i++) results.push(await ratelimit.limit(identifier));
  return results;
}

describe("@upstash/ratelimit", () => {
  it("slidingWindow(5, '10 s'): 7 calls -> exactly 5 allowed", async () => {
    await awayFromWindowEdge();
    const results = await sevenCalls(
      limiter(Ratelimit.slidingWindow(5, "10 s"), "rl-sliding"),
      "user-1",
    );
    expect(results.map((r) => r.success)).toEqual([
      true,
      true,
      true,
      true,
      true,
      false,
      false,
    ]);
    expect(results.map((r) => r.remaining)).toEqual([4, 3, 2, 1, 0, 0, 0]);
    expect(results.map((r) => r.limit)).toEqual(Array(7).fill(5));
    // A timeout would also report success; these are real answers.
    expect(results.map((r) => r.reason)).toEqual(Array(7).fill(undefined));
    // First call: EVALSHA of the shipped hash -> NOSCRIPT -> EVAL; after that EVALSHA
    // with the same hash runs the rewritten script.
    expect(fx.events.map((e) => e.commands)).toEqual([
      ["EVALSHA"],
      ["EVAL"],
      ...Array(6).fill(["EVALSHA"]),
    ]);
    expect(fx.events.every((e) => e.status === 200)).toBe(true);
  });

  it("tokenBucket(5, '10 s', 5): 7 calls -> exactly 5 allowed", async () => {
    const results = await sevenCalls(
      limiter(Ratelimit.tokenBucket(5, "10 s", 5), "rl-bucket"),
      "user-1",
    );
    expect(results.map((r) => r.success)).toEqual([
      true,
      true,
      true,
      true,
      true,
      false,
      false,
    ]);
    expect(results.map((r) => r.remaining)).toEqual([4, 3, 2, 1, 0, 0, 0]);
    expect(results.map((r) => r.reason)).toEqual(Array(7).fill(undefined));
  });

  it("fixedWindow(5, '10 s'): 7 calls -> exactly 5 allowed; identifiers are independent", async () => {
    await awayFromWindowEdge();
    const ratelimit = limiter(Ratelimit.fixedWindow(5, "10 s"), "rl-fixed");
    const first = await sevenCalls(ratelimit, "user-1");
    expect(first.map((r) => r.success)).toEqual([
      true,
      true,
      true,
      true,
      true,
      false,
      false,
    ]);
    expect((await ratelimit.limit("user-2")).success).toBe(true);
  });

  it("getRemaining and resetUsedTokens run their scripts through the bridge too", async () => {
    const ratelimit = limiter(Ratelimit.slidingWindow(5, "10 s"), "rl-reset");
    await awayFromWindowEdge();
    await ratelimit.limit("user-1");
    await ratelimit.limit("user-1");
    expect((await ratelimit.getRemaining("user-1")).remaining).toBe(3);
    await ratelimit.resetUsedTokens("user-1");
    expect((await ratelimit.getRemaining("user-1")).remaining).toBe(5);
  });
});
