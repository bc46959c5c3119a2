// readUsage against a real redis-server behind the bridge: every day of the range in
// order with zeros for empty days, exact totals and dollar figures, one HTTP round
// trip for a whole year, and only the asked-for tenant's figures.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startRedisServer, type RedisServer } from "../../support/redis-server";
import { BRIDGE_TOKEN } from "../../support/cache-stack";
import {
  startUpstashBridge,
  type BridgeRequestEvent,
  type UpstashBridge,
} from "../../../infra/local/upstash-bridge/server";
import {
  readUsage,
  usdForCachedTokens,
  usdForGpuMs,
} from "../../../workers/metering/read-usage";

// $0.0002 per GPU second, 8,000 tokens per GPU second: round figures for exact arithmetic.
const PRICING = {
  gpuUsdPerSecond: 0.0002,
  gpuTokensPerSecond: 8000,
  batchPriceFactor: 0.5,
};
import { daysInRange } from "../../../workers/metering/usage-range";
import { applyUsageEvent } from "../../../workers/metering/usage-store";
import { bridgeClient, freshTenant, usageEvent } from "./metering-fixture";

let server: RedisServer;
let bridge: UpstashBridge;
const requests: BridgeRequestEvent[] = [];

beforeAll(async () => {
  server = await startRedisServer();
  bridge = await startUpstashBridge({
    redisUrl: server.url,
    token: BRIDGE_TOKEN,
    port: 0,
    log: () => undefined,
    onRequest: (e) => requests.push(e),
  });
});
afterAll(async () => {
  await bridge?.close();
  await server?.stop();
});

const NO_BATCH = {
  requests: 0,
  inputs: 0,
  tokens_computed: 0,
  tokens_cached: 0,
  gpu_ms: 0,
  estimated_cost_usd: 0,
  estimated_savings_usd: 0,
}; // no Batch API usage
const zero = {
  requests: 0,
  inputs: 0,
  tokens_computed: 0,
  tokens_cached: 0,
  gpu_ms: 0,
  estimated_cost_usd: 0,
  estimated_savings_usd: 0,
  batch: NO_BATCH,
};

describe("readUsage", () => {
  it("lists every day of the range, zeros included, with exact totals and dollars", async () => {
    const redis = bridgeClient(bridge.url);
    const tenant = freshTenant("report");
    const other = freshTenant("other");
    await applyUsageEvent(
      redis,
      usageEvent(tenant, {
        day: "2024-02-28",
        inputs: 2,
        tokens_computed: 1_000_000,
        tokens_cached: 234_567,
        gpu_ms: 900,
      }),
    );
    await applyUsageEvent(
      redis,
      usageEvent(tenant, {
        day: "2024-03-01",
        inputs: 1,
        tokens_computed: 0,
        tokens_cached: 17,
        gpu_ms: 0,
      }),
    );
    await applyUsageEvent(
      redis,
      usageEvent(tenant, {
        day: "2024-03-01",
        inputs: 4,
        tokens_computed: 33,
        tokens_cached: 0,
        gpu_ms: 5,
      }),
    );
    await applyUsageEvent(
      redis,
      usageEvent(other, { day: "2024-02-29", inputs: 99 }),
    );

    const report = await readUsage(
      redis,
      tenant,
      { from: "2024-02-27", to: "2024-03-01" },
      PRICING,
    );
    expect(report).toEqual({
      object: "list",
      data: [
        { date: "2024-02-27", ...zero },
        {
          date: "2024-02-28",
          requests: 1,
          inputs: 2,
          tokens_computed: 1_000_000,
          tokens_cached: 234_567,
          gpu_ms: 900,
          estimated_cost_usd: 0.00018, // 0.9 GPU s
          estimated_savings_usd: 0.005864175, // 234,567 / 8,000 GPU s
          batch: NO_BATCH,
        },
        { date: "2024-02-29", ...zero },
        {
          date: "2024-03-01",
          requests: 2,
          inputs: 5,
          tokens_computed: 33,
          tokens_cached: 17,
          gpu_ms: 5,
          estimated_cost_usd: 0.000001,
          estimated_savings_usd: 0.000000425,
          batch: NO_BATCH,
        },
      ],
      totals: {
        requests: 3,
        inputs: 7,
        tokens_computed: 1_000_033,
        tokens_cached: 234_584,
        gpu_ms: 905,
        estimated_cost_usd: 0.000181,
        estimated_savings_usd: 0.0058646,
        batch: NO_BATCH,
      },
    });
    // The figures print as the decimals they are.
    expect(JSON.stringify(report.totals)).toContain(
      '"estimated_cost_usd":0.000181,"estimated_savings_usd":0.0058646',
    );
  });

  it("reads a whole year in one HTTP request", async () => {
    const redis = bridgeClient(bridge.url, { enableAutoPipelining: false });
    const tenant = freshTenant("year");
    await applyUsageEvent(redis, usageEvent(tenant, { day: "2024-12-31" }));
    requests.length = 0;
    const report = await readUsage(
      redis,
      tenant,
      { from: "2024-01-01", to: "2024-12-31" },
      PRICING,
    );
    expect(requests).toHaveLength(1);
    expect(requests[0]).toMatchObject({ path: "/pipeline", status: 200 });
    expect(requests[0]!.commands).toEqual(Array(366).fill("HMGET"));
    expect(report.data).toHaveLength(366);
    expect(report.data[365]).toMatchObject({ date: "2024-12-31", requests: 1 });
    expect(report.totals).toMatchObject({
      requests: 1,
      tokens_computed: 120,
      tokens_cached: 30,
    });
  });

  it("reads one day", async () => {
    const redis = bridgeClient(bridge.url);
    const tenant = freshTenant("one");
    await applyUsageEvent(redis, usageEvent(tenant));
    const report = await readUsage(
      redis,
      tenant,
      { from: "2025-03-14", to: "2025-03-14" },
      { gpuUsdPerSecond: 1, gpuTokensPerSecond: 1000, batchPriceFactor: 0.5 },
    );
    const day = {
      requests: 1,
      inputs: 3,
      tokens_computed: 120,
      tokens_cached: 30,
      gpu_ms: 42,
      estimated_cost_usd: 0.042,
      estimated_savings_usd: 0.03,
      batch: NO_BATCH,
    };
    expect(report).toEqual({
      object: "list",
      data: [{ date: "2025-03-14", ...day }],
      totals: day,
    });
  });

  it("reports the batch lane apart and prices it at the batch factor", async () => {
    const redis = bridgeClient(bridge.url);
    const tenant = freshTenant("lanes");
    await applyUsageEvent(
      redis,
      usageEvent(tenant, {
        inputs: 1,
        tokens_computed: 10,
        tokens_cached: 8_000,
        gpu_ms: 1_000,
      }),
    );
    await applyUsageEvent(
      redis,
      usageEvent(tenant, {
        lane: "batch",
        requests: 4,
        inputs: 6,
        tokens_computed: 60,
        tokens_cached: 16_000,
        gpu_ms: 2_000,
      }),
    );
    const report = await readUsage(
      redis,
      tenant,
      { from: "2025-03-14", to: "2025-03-14" },
      PRICING,
    );
    // Batch: 2 GPU s × $0.0002 × 0.5 = $0.0002; 16,000 cached tokens = 2 GPU s, also at half price.
    const batch = {
      requests: 4,
      inputs: 6,
      tokens_computed: 60,
      tokens_cached: 16_000,
      gpu_ms: 2_000,
      estimated_cost_usd: 0.0002,
      estimated_savings_usd: 0.0002,
    };
    // All lanes: interactive 1 GPU s ($0.0002) plus the batch's $0.0002; savings likewise.
    const day = {
      requests: 5,
      inputs: 7,
      tokens_computed: 70,
      tokens_cached: 24_000,
      gpu_ms: 3_000,
      estimated_cost_usd: 0.0004,
      estimated_savings_usd: 0.0004,
      batch,
    };
    expect(report).toEqual({
      object: "list",
      data: [{ date: "2025-03-14", ...day }],
      totals: day,
    });
  });

  it("throws when Redis cannot be reached", async () => {
    await expect(
      readUsage(
        bridgeClient("http://127.0.0.1:9"),
        "t",
        { from: "2025-01-01", to: "2025-01-02" },
        PRICING,
      ),
    ).rejects.toThrow();
  });
});

describe("dollar estimates", () => {
  const L4 = {
    gpuUsdPerSecond: 0.00019,
    gpuTokensPerSecond: 8000,
    batchPriceFactor: 0.5,
  };
  it.each([
    [0, 0],
    [1, 1.9e-7],
    [1000, 0.00019],
    [123_456_789, 23.45678991],
  ])("%d GPU ms at $0.00019/s = $%d", (ms, usd) => {
    expect(usdForGpuMs(ms, L4)).toBe(usd);
  });
  it.each([
    [0, 0],
    [1, 2.38e-8],
    [8000, 0.00019],
    [1_000_000_000, 23.75],
  ])(
    "%d cached tokens at 8,000 tokens per $0.00019 GPU second = $%d",
    (tokens, usd) => {
      expect(usdForCachedTokens(tokens, L4)).toBe(usd);
    },
  );
});

describe("daysInRange", () => {
  it("walks months, years and leap days", () => {
    expect(daysInRange({ from: "2023-12-30", to: "2024-01-02" })).toEqual([
      "2023-12-30",
      "2023-12-31",
      "2024-01-01",
      "2024-01-02",
    ]);
    expect(daysInRange({ from: "2024-02-28", to: "2024-03-01" })).toEqual([
      "2024-02-28",
      "2024-02-29",
      "2024-03-01",
    ]);
    expect(daysInRange({ from: "2023-02-28", to: "2023-03-01" })).toEqual([
      "2023-02-28",
      "2023-03-01",
    ]);
    expect(daysInRange({ from: "2025-05-05", to: "2025-05-04" })).toEqual([]);
  });

  it("refuses ranges a caller forgot to validate", () => {
    expect(() => daysInRange({ from: "2020-01-01", to: "2024-01-01" })).toThrow(
      RangeError,
    );
    expect(() => daysInRange({ from: "2024-13-01", to: "2024-12-01" })).toThrow(
      RangeError,
    );
  });
});
