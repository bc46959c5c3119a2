// applyUsageEvent against a real redis-server behind the bridge: exact aggregates,
// exactly once per event id (sequential and racing), TTLs, key layout, NOSCRIPT.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Redis } from "@upstash/redis";
import { startCacheStack, type CacheStack } from "../../support/cache-stack";
import {
  applyUsageEvent,
  EVENT_MARKER_TTL_SECONDS,
  usageDayKey,
  usageEventKey,
  USAGE_DAY_TTL_SECONDS,
} from "../../../workers/metering/usage-store";
import { USAGE_COUNTERS } from "../../../workers/metering/usage-event";
import { bridgeClient, freshTenant, usageEvent } from "./metering-fixture";

let stack: CacheStack;
let redis: Redis;

beforeAll(async () => {
  stack = await startCacheStack();
  redis = bridgeClient(stack.bridge.url);
});
afterAll(async () => {
  await stack?.close();
});

// HMGET, not HGETALL: the local bridge answers the client's lowercase `hgetall` with 503.
const dayHash = (tenant: string, day = "2025-03-14") =>
  redis.hmget(usageDayKey(tenant, day), ...USAGE_COUNTERS);

describe("applyUsageEvent", () => {
  it("adds each counter to the tenant's day hash, exactly", async () => {
    const tenant = freshTenant("exact");
    expect(await applyUsageEvent(redis, usageEvent(tenant))).toBe("applied");
    expect(
      await applyUsageEvent(
        redis,
        usageEvent(tenant, {
          inputs: 1,
          tokens_computed: 0,
          tokens_cached: 7,
          gpu_ms: 0,
        }),
      ),
    ).toBe("applied");
    expect(
      await applyUsageEvent(
        redis,
        usageEvent(tenant, { day: "2025-03-15", inputs: 5 }),
      ),
    ).toBe("applied");
    expect(await dayHash(tenant)).toEqual({
      requests: 2,
      inputs: 4,
      tokens_computed: 120,
      tokens_cached: 37,
      gpu_ms: 42,
    });
    expect(await dayHash(tenant, "2025-03-15")).toEqual({
      requests: 1,
      inputs: 5,
      tokens_computed: 120,
      tokens_cached: 30,
      gpu_ms: 42,
    });
  });

  it("counts the same event once, however often it is applied", async () => {
    const tenant = freshTenant("twice");
    const event = usageEvent(tenant);
    expect(await applyUsageEvent(redis, event)).toBe("applied");
    expect(await applyUsageEvent(redis, event)).toBe("duplicate");
    expect(await applyUsageEvent(redis, { ...event })).toBe("duplicate");
    expect(await dayHash(tenant)).toEqual({
      requests: 1,
      inputs: 3,
      tokens_computed: 120,
      tokens_cached: 30,
      gpu_ms: 42,
    });
  });

  it("counts one of many concurrent deliveries of one event", async () => {
    const tenant = freshTenant("race");
    const event = usageEvent(tenant);
    const outcomes = await Promise.all(
      Array.from({ length: 20 }, () => applyUsageEvent(redis, event)),
    );
    expect(outcomes.filter((o) => o === "applied")).toHaveLength(1);
    expect(outcomes.filter((o) => o === "duplicate")).toHaveLength(19);
    expect(await dayHash(tenant)).toMatchObject({
      requests: 1,
      tokens_computed: 120,
    });
  });

  it("counts every one of many concurrent distinct events", async () => {
    const tenant = freshTenant("many");
    const events = Array.from({ length: 300 }, (_, i) =>
      usageEvent(tenant, {
        inputs: 1,
        tokens_computed: i,
        tokens_cached: 2 * i,
        gpu_ms: i % 7,
      }),
    );
    const outcomes = await Promise.all(
      events.map((e) => applyUsageEvent(redis, e)),
    );
    expect(new Set(outcomes)).toEqual(new Set(["applied"]));
    const sum = (f: (i: number) => number) =>
      events.reduce((acc, _, i) => acc + f(i), 0);
    expect(await dayHash(tenant)).toEqual({
      requests: 300,
      inputs: 300,
      tokens_computed: sum((i) => i),
      tokens_cached: sum((i) => 2 * i),
      gpu_ms: sum((i) => i % 7),
    });
  });

  it("keeps the marker 7 days and the day 400 days, refreshed on each write", async () => {
    const tenant = freshTenant("ttl");
    const event = usageEvent(tenant);
    await applyUsageEvent(redis, event);
    const markerTtl = await redis.ttl(usageEventKey(event.event_id));
    const dayTtl = await redis.ttl(usageDayKey(tenant, event.day));
    expect(markerTtl).toBeGreaterThan(EVENT_MARKER_TTL_SECONDS - 10);
    expect(markerTtl).toBeLessThanOrEqual(EVENT_MARKER_TTL_SECONDS);
    expect(dayTtl).toBeGreaterThan(USAGE_DAY_TTL_SECONDS - 10);
    expect(dayTtl).toBeLessThanOrEqual(USAGE_DAY_TTL_SECONDS);
    expect(EVENT_MARKER_TTL_SECONDS).toBe(604_800);
    expect(USAGE_DAY_TTL_SECONDS).toBe(34_560_000);
    expect(await redis.get(`usage:event:${event.event_id}`)).toBe(1);
    expect(await redis.type(`usage:${tenant}:2025-03-14`)).toBe("hash");

    await redis.expire(usageDayKey(tenant, event.day), 100);
    await applyUsageEvent(redis, usageEvent(tenant));
    expect(await redis.ttl(usageDayKey(tenant, event.day))).toBeGreaterThan(
      USAGE_DAY_TTL_SECONDS - 10,
    );
  });

  it("loads the script with EVAL when Redis has none (fresh, restarted or flushed)", async () => {
    await redis.scriptFlush();
    const tenant = freshTenant("noscript");
    expect(await applyUsageEvent(redis, usageEvent(tenant))).toBe("applied");
    expect(await applyUsageEvent(redis, usageEvent(tenant))).toBe("applied");
    expect(await dayHash(tenant)).toMatchObject({ requests: 2 });
  });

  it("refuses a malformed event before touching Redis", async () => {
    const tenant = freshTenant("bad");
    const bad = [
      usageEvent("tenant:with:colons"),
      usageEvent(tenant, { event_id: "" }),
      usageEvent(tenant, { day: "2025-02-30" }),
      usageEvent(tenant, { tokens_cached: -1 }),
      usageEvent(tenant, { gpu_ms: 1.5 }),
    ];
    for (const event of bad)
      await expect(applyUsageEvent(redis, event)).rejects.toThrow();
    expect(
      await redis.exists(
        usageDayKey(tenant, "2025-03-14"),
        usageDayKey(tenant, "2025-02-30"),
      ),
    ).toBe(0);
  });

  it("throws when Redis cannot be reached, so the caller can queue the event", async () => {
    const unreachable = bridgeClient("http://127.0.0.1:9");
    await expect(
      applyUsageEvent(unreachable, usageEvent(freshTenant("down"))),
    ).rejects.toThrow();
  });
});
