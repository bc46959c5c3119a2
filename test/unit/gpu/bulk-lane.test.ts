/**
 * The bulk lane against a fake SGLang server: every call is tagged `x-lane: bulk`, two
 * jobs' embeds never overlap (one turn per isolate, each with at most the configured
 * calls in flight), and after a turn the lane pauses in proportion to INDEX_GPU_MAX_SHARE.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BULK_LANE, createBulkLane } from "../../../workers/gpu/bulk-lane";
import { createGpuPool } from "../../../workers/gpu/pool";
import {
  embeddingsReply,
  expectedVector,
  startFakeSglang,
  testConfig,
  textItems,
  type FakeSglang,
} from "./fake-sglang";

let sglang: FakeSglang;
let inFlight = 0;
let maxInFlight = 0;
/** The lane's clock: every call "takes" 30 ms on it. */
let clock = 1_000;

beforeAll(async () => {
  sglang = await startFakeSglang(async (req) => {
    maxInFlight = Math.max(maxInFlight, ++inFlight);
    await new Promise((r) => setTimeout(r, 20));
    inFlight--;
    clock += 30;
    return embeddingsReply(req);
  });
});
afterAll(() => sglang.close());

describe("bulk lane", () => {
  it("tags calls, runs one embed at a time with at most maxConcurrentCalls calls in flight", async () => {
    const pool = createGpuPool(
      testConfig([sglang.url], { maxInputsPerCall: 1, maxConcurrentCalls: 2 }),
      { lane: BULK_LANE },
    );
    const embed = createBulkLane(pool, { maxShare: 1 });
    const texts = (job: string) =>
      Array.from({ length: 4 }, (_, i) => `${job} ${i}`);
    const [a, b] = await Promise.all([
      embed(textItems(texts("job a"))),
      embed(textItems(texts("job b"))),
    ]);
    expect(a.vectors).toEqual(texts("job a").map(expectedVector));
    expect(b.vectors).toEqual(texts("job b").map(expectedVector));
    expect(maxInFlight).toBe(2);
    const calls = sglang.embedCalls();
    expect(calls.map((c) => c.headers["x-lane"])).toEqual(
      Array(8).fill("bulk"),
    );
    // Job b's calls all came after job a's: the lane is one turn at a time.
    expect(
      calls.slice(0, 4).map((c) => String(c.body?.input[0]).slice(0, 5)),
    ).toEqual(Array(4).fill("job a"));
  });

  it("after a turn of t ms, the next turn waits t × (1 − share) / share", async () => {
    const pauses: number[] = [];
    const pool = createGpuPool(
      testConfig([sglang.url], { maxInputsPerCall: 1, maxConcurrentCalls: 2 }),
      { lane: BULK_LANE },
    );
    const embed = createBulkLane(pool, {
      maxShare: 0.25,
      now: () => clock,
      sleep: async (ms) => {
        pauses.push(ms);
        clock += ms;
      },
    });
    await embed(textItems(["paced 0", "paced 1", "paced 2", "paced 3"]));
    expect(pauses).toEqual([]);
    await embed(textItems(["paced 4"]));
    // The first turn took 4 calls × 30 ms on the lane's clock; share 0.25 → 3 × 120 ms.
    expect(pauses).toEqual([360]);
  });
});
