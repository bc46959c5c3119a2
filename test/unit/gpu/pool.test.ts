import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { ApiError } from "../../../workers/errors/api-error";
import { createGpuPool, READY_TIMEOUT_MS } from "../../../workers/gpu/pool";
import {
  embeddingsReply,
  expectedVector,
  fakeClock,
  refusingUrl,
  sglangError,
  startFakeSglang,
  testConfig,
  textItems,
  type FakeSglang,
} from "./fake-sglang";

const sleepReal = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe("createGpuPool", () => {
  let sglang: FakeSglang;
  beforeEach(async () => {
    sglang = await startFakeSglang();
  });
  afterEach(() => sglang.close());

  it("runs at most maxConcurrentCalls calls at once and keeps input order when they finish out of order", async () => {
    let inFlight = 0;
    let maxInFlight = 0;
    sglang.setHandler(async (req, n) => {
      inFlight += 1;
      maxInFlight = Math.max(maxInFlight, inFlight);
      // Earlier calls answer later, and list their items in reverse.
      await sleepReal(150 - n * 20);
      inFlight -= 1;
      return embeddingsReply(req, {
        reverse: true,
        encoding: n % 2 === 0 ? "base64" : "float",
      });
    });
    const texts = Array.from({ length: 10 }, (_, i) => `text ${i}`);
    const result = await createGpuPool(
      testConfig([sglang.url], { maxInputsPerCall: 2, maxConcurrentCalls: 4 }),
    ).embed(textItems(texts));
    expect(result.vectors).toEqual(texts.map(expectedVector));
    expect(result.calls).toBe(5);
    expect(maxInFlight).toBe(4);
    expect(
      sglang
        .embedCalls()
        .map((r) => r.body?.input)
        .sort(),
    ).toEqual([
      ["text 0", "text 1"],
      ["text 2", "text 3"],
      ["text 4", "text 5"],
      ["text 6", "text 7"],
      ["text 8", "text 9"],
    ]);
  });

  it("meters gpuMs as the summed time of successful calls only", async () => {
    const clock = fakeClock();
    // Each call "takes" 40 ms on the injected clock; the first one fails.
    sglang.setHandler((req, n) => {
      clock.t += 40;
      return n === 1 ? sglangError(503, "busy") : embeddingsReply(req);
    });
    const pool = createGpuPool(
      testConfig([sglang.url], { maxInputsPerCall: 1, maxConcurrentCalls: 1 }),
      {
        ...clock,
        random: () => 0,
      },
    );
    const result = await pool.embed(textItems(["a", "b", "c"]));
    expect({ gpuMs: result.gpuMs, calls: result.calls }).toEqual({
      gpuMs: 120,
      calls: 4,
    });
  });

  it("fails the whole request with the first definitive error and cancels the other calls", async () => {
    sglang.setHandler((req) =>
      req.body?.input[0] === "bad"
        ? sglangError(400, "invalid token id")
        : { hang: true },
    );
    const pool = createGpuPool(
      testConfig([sglang.url], { maxInputsPerCall: 1, callTimeoutMs: 30_000 }),
    );
    const started = Date.now();
    const error = await pool
      .embed(textItems(["slow 1", "slow 2", "bad"]))
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ApiError);
    expect((error as ApiError).body.param).toBe("input");
    expect(Date.now() - started).toBeLessThan(5_000);
    await expect.poll(() => sglang.abandoned()).toBe(2);
  });

  it("rejects a config that cannot work, without echoing URLs", () => {
    expect(() => createGpuPool(testConfig([]))).toThrow(
      "Invalid GPU pool config: urls is empty",
    );
    expect(() =>
      createGpuPool(
        testConfig(["ftp://secret-host"], {
          maxInputsPerCall: 0,
          maxRetries: -1,
        }),
      ),
    ).toThrow(
      "Invalid GPU pool config: urls[0] is not an http(s) URL; maxInputsPerCall must be a positive integer; maxRetries must be an integer >= 0",
    );
  });
});

describe("ready", () => {
  let sglang: FakeSglang;
  beforeEach(async () => {
    sglang = await startFakeSglang((req) =>
      req.path === "/health"
        ? { status: 200, text: "" }
        : { status: 404, text: "" },
    );
  });
  afterEach(() => sglang.close());

  it("is true when any endpoint's /health answers 200, sending the token", async () => {
    const pool = createGpuPool(
      testConfig([await refusingUrl(), `${sglang.url}/`], { token: "t0k" }),
    );
    expect(await pool.ready()).toBe(true);
    expect(
      sglang.requests.map((r) => [r.method, r.path, r.headers.authorization]),
    ).toEqual([["GET", "/health", "Bearer t0k"]]);
  });

  it("is false when endpoints refuse or answer non-200", async () => {
    sglang.setHandler(() => ({ status: 503, text: "" }));
    expect(
      await createGpuPool(
        testConfig([await refusingUrl(), sglang.url]),
      ).ready(),
    ).toBe(false);
  });

  it("is false within its timeout when an endpoint hangs", async () => {
    sglang.setHandler(() => ({ hang: true }));
    const started = Date.now();
    expect(await createGpuPool(testConfig([sglang.url])).ready()).toBe(false);
    const elapsed = Date.now() - started;
    expect(elapsed).toBeGreaterThanOrEqual(READY_TIMEOUT_MS - 50);
    expect(elapsed).toBeLessThan(READY_TIMEOUT_MS + 1_000);
  });
});
