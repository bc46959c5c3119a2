// The latency model: pass packing and pass times as numbers, then the l4 profile over
// HTTP, asserting lower bounds only (a loaded machine may be slower, never faster).
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  forwardPasses,
  latencyProfile,
  modelledLatencyMs,
  passMs,
} from "../../gpu-worker/standin/latency";
import { type Standin, startStandin } from "../../gpu-worker/standin/server";
import { postJson } from "./http";

describe("latency model", () => {
  it("packs inputs in order into passes of at most maxTokensPerPass, splitting long ones", () => {
    expect(forwardPasses([100, 200], 8192)).toEqual([300]);
    expect(forwardPasses([5000, 5000], 8192)).toEqual([5000, 5000]);
    expect(forwardPasses([20000], 8192)).toEqual([8192, 8192, 3616]);
    expect(forwardPasses([8000, 100, 20000, 7], 8192)).toEqual([
      8100, 8192, 8192, 3623,
    ]);
    expect(forwardPasses([], 8192)).toEqual([]);
  });

  it("l4: a pass takes max(27 ms, tokens / 8000 s), plus 3 ms per call", () => {
    const l4 = latencyProfile("l4");
    expect(l4).toEqual({
      name: "l4",
      perCallOverheadMs: 3,
      minPassMs: 27,
      tokensPerSecond: 8000,
      maxTokensPerPass: 8192,
    });
    expect(passMs(7, l4)).toBe(27);
    expect(passMs(8192, l4)).toBe(1024);
    expect(modelledLatencyMs([7], l4)).toBe(30);
    expect(modelledLatencyMs([20000], l4)).toBe(3 + 1024 + 1024 + 452);
  });

  it("none: no delay at all", () => {
    expect(modelledLatencyMs([20000, 5], latencyProfile("none"))).toBe(0);
  });
});

describe("l4 profile over HTTP", () => {
  let standin: Standin;
  beforeAll(async () => {
    standin = await startStandin({ profile: "l4", maxTokensPerPass: 512 });
  });
  afterAll(() => standin.close());

  const timed = async (input: unknown): Promise<number> => {
    const started = performance.now();
    const res = await postJson(`${standin.url}/v1/embeddings`, { input });
    expect(res.status).toBe(200);
    await res.arrayBuffer();
    return performance.now() - started;
  };

  it("takes at least the modelled time for one small call", async () => {
    const profile = latencyProfile("l4", 512);
    expect(modelledLatencyMs([7], profile)).toBe(30);
    expect(await timed("Hello, my dog is cute")).toBeGreaterThanOrEqual(30);
  });

  it("runs a big call as several passes", async () => {
    const ids = Array.from({ length: 1600 }, (_, i) => 1000 + i);
    const profile = latencyProfile("l4", 512);
    expect(forwardPasses([1600], 512)).toEqual([512, 512, 512, 64]);
    const minimum = modelledLatencyMs([1600], profile);
    expect(minimum).toBe(3 + 64 + 64 + 64 + 27);
    expect(await timed(ids)).toBeGreaterThanOrEqual(minimum);
  });

  it("queues concurrent calls behind each other on one GPU", async () => {
    standin.resetStats();
    const started = performance.now();
    const call = async (input: unknown): Promise<number> => {
      const res = await postJson(`${standin.url}/v1/embeddings`, { input });
      expect(res.status).toBe(200);
      await res.arrayBuffer();
      return performance.now() - started;
    };
    // A long call holds the GPU for >= 219 ms, so the four short ones arrive while it
    // runs and must each wait for their own 27 ms pass after it.
    const long = call(Array.from({ length: 1600 }, (_, i) => 1000 + i));
    while (standin.stats().inFlight === 0)
      await new Promise((r) => setTimeout(r, 2));
    await new Promise((r) => setTimeout(r, 20));
    const finished = await Promise.all([
      long,
      ...Array.from({ length: 4 }, (_, i) => call(`call number ${i}`)),
    ]);
    const minimum = 3 + (64 * 3 + 27) + 4 * 27;
    expect(Math.max(...finished)).toBeGreaterThanOrEqual(minimum);
    const stats = standin.stats();
    expect(stats.calls).toBe(5);
    expect(stats.maxInFlight).toBe(5);
    expect(stats.inFlight).toBe(0);
  });
});
