// Failures that follow an input against failures of the endpoint, through the pool and a
// real HTTP server: which calls isolation makes (exact inputs and counts), what the
// tenant gets, and what the endpoint's breaker sees.
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { ApiError } from "../../../workers/errors/api-error";
import { isolationCallBudget } from "../../../workers/gpu/isolate-input";
import { createGpuPool } from "../../../workers/gpu/pool";
import { GpuInputRejected } from "../../../workers/gpu/pool-errors";
import type { GpuItem } from "../../../workers/gpu/gpu-item";
import {
  embeddingsReply,
  expectedVector,
  fakeClock,
  sglangError,
  startFakeSglang,
  testConfig,
  textItems,
  type FakeSglang,
  type Handler,
} from "./fake-sglang";

const ENGINE_500 = "Internal server error: index out of range in self";
const texts = ["t0", "t1", "t2", "t3", "t4", "bad", "t6", "t7"];

/** 500 for any call holding "bad" (as an engine that raises on one input), vectors otherwise. */
const failsOnBad: Handler = (req) =>
  req.body?.input.includes("bad")
    ? sglangError(500, ENGINE_500, "InternalServerError")
    : embeddingsReply(req);

async function rejection(promise: Promise<unknown>): Promise<ApiError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!(error instanceof ApiError))
    throw new Error(`expected an ApiError, got ${String(error)}`);
  return error;
}

describe("a failure that follows an input", () => {
  let sglang: FakeSglang;
  beforeEach(async () => {
    vi.spyOn(console, "warn").mockImplementation(() => {});
    sglang = await startFakeSglang(failsOnBad);
  });
  afterEach(async () => {
    vi.restoreAllMocks();
    await sglang.close();
  });

  it("is found by a canary and halving on the same endpoint, within 1 + 2·log2(n) extra calls, and is a 400", async () => {
    const other = await startFakeSglang();
    try {
      const clock = fakeClock();
      const pool = createGpuPool(testConfig([sglang.url, other.url]), clock);
      const error = await rejection(pool.embed(textItems(texts)));
      expect(sglang.embedCalls().map((r) => r.body?.input)).toEqual([
        texts, // the sub-batch: 500
        ["ping"], // canary: the endpoint works
        ["t0", "t1", "t2", "t3"], // fine
        ["t4", "bad", "t6", "t7"], // 500
        ["t4", "bad"], // 500
        ["t4"], // fine
        ["bad"], // 500: the input
      ]);
      // Within the cap on calls after the first: 1 (canary) + 2 per level × log2(8) levels.
      expect(isolationCallBudget(8)).toBe(1 + 2 * 3);
      expect(other.embedCalls().length).toBe(0); // not failed over: it is not an outage
      expect(clock.delays).toEqual([]); // not retried
      expect(pool.breakers.state(sglang.url, clock.now())).toBe("closed");
      expect(error).toBeInstanceOf(GpuInputRejected);
      expect((error as GpuInputRejected).itemIndex).toBe(5);
      const response = error.getResponse();
      expect(response.status).toBe(400);
      expect(response.headers.get("retry-after")).toBeNull();
      expect(await response.json()).toEqual({
        error: {
          message: `An input was rejected by the embedding model: ${ENGINE_500}`,
          type: "invalid_request_error",
          param: "input",
          code: null,
        },
      });
      expect((error as GpuInputRejected).forRequestIndex(9).body).toEqual({
        message: `input[9] was rejected by the embedding model: ${ENGINE_500}`,
        type: "invalid_request_error",
        param: "input[9]",
        code: null,
      });
    } finally {
      await other.close();
    }
  });

  it("never counts on the breaker, however often it comes", async () => {
    const clock = fakeClock();
    const pool = createGpuPool(testConfig([sglang.url]), clock);
    for (let i = 0; i < 12; i++)
      await rejection(pool.embed(textItems(["bad"])));
    // Each: the input (500), then the canary (fine).
    expect(sglang.embedCalls().length).toBe(24);
    expect(pool.breakers.state(sglang.url, clock.now())).toBe("closed");
    const result = await pool.embed(textItems(["t0"]));
    expect(result.vectors).toEqual([expectedVector("t0")]);
  });

  it("is named by its position in the pool's items, across sub-batches and text/id grouping", async () => {
    const items: GpuItem[] = [
      { input: "t0", tokens: 1 },
      { input: [5, 151643], tokens: 2 },
      { input: "t2", tokens: 1 },
      { input: "bad", tokens: 1 },
      { input: "t4", tokens: 1 },
    ];
    // Text items [0, 2, 3, 4] go in calls of two: [0, 2] and [3, 4]; "bad" is item 3.
    const pool = createGpuPool(
      testConfig([sglang.url], { maxInputsPerCall: 2, maxConcurrentCalls: 1 }),
    );
    const error = await rejection(pool.embed(items));
    expect((error as GpuInputRejected).itemIndex).toBe(3);
  });

  it("is isolated from an engine 400 for a whole batch too, without a canary", async () => {
    const refusal = "Input at index 0 contains negative token IDs";
    sglang.setHandler((req) =>
      req.body?.input.includes("bad")
        ? sglangError(400, refusal)
        : embeddingsReply(req),
    );
    const batch = ["t0", "t1", "t2", "bad"];
    const error = await rejection(
      createGpuPool(testConfig([sglang.url])).embed(textItems(batch)),
    );
    expect(sglang.embedCalls().map((r) => r.body?.input)).toEqual([
      batch,
      ["t0", "t1"],
      ["t2", "bad"],
      ["t2"],
      ["bad"],
    ]);
    expect((error as GpuInputRejected).itemIndex).toBe(3);
    expect(error.body.message).toBe(
      `An input was rejected by the embedding model: ${refusal}`,
    );
  });

  it("answers with the halves' vectors when a 500 does not come back on them", async () => {
    sglang.setHandler((req, n) =>
      n === 1 ? sglangError(500, ENGINE_500) : embeddingsReply(req),
    );
    const batch = ["t0", "t1", "t2"];
    const result = await createGpuPool(testConfig([sglang.url])).embed(
      textItems(batch),
    );
    expect(result.vectors).toEqual(batch.map(expectedVector));
    expect(sglang.embedCalls().map((r) => r.body?.input)).toEqual([
      batch,
      ["ping"],
      ["t0", "t1"],
      ["t2"],
    ]);
    expect(result.calls).toBe(4);
  });

  it("passes on no engine reason that holds internals", async () => {
    sglang.setHandler(() =>
      sglangError(
        400,
        'File "/opt/sglang/python/sglang/srt/x.py", line 3: bad id',
      ),
    );
    const error = await rejection(
      createGpuPool(testConfig([sglang.url])).embed(textItems(["x"])),
    );
    expect(error.body.message).toBe(
      "An input was rejected by the embedding model.",
    );
  });
});

describe("an endpoint that fails everything", () => {
  let broken: FakeSglang;
  beforeEach(async () => {
    vi.spyOn(console, "warn").mockImplementation(() => {});
    broken = await startFakeSglang(() =>
      sglangError(500, ENGINE_500, "InternalServerError"),
    );
  });
  afterEach(async () => {
    vi.restoreAllMocks();
    await broken.close();
  });

  it("is not blamed on an input: the canary fails too, so it is retried, counted on its breaker, and a 503", async () => {
    const clock = fakeClock();
    const pool = createGpuPool(testConfig([broken.url], { maxRetries: 4 }), {
      ...clock,
      random: () => 0.5,
    });
    const error = await rejection(
      pool.embed(textItems(["t0", "t1", "t2", "t3"])),
    );
    // Five attempts of two calls (the sub-batch, then the canary); no halving.
    expect(broken.embedCalls().map((r) => r.body?.input.length)).toEqual([
      4, 1, 4, 1, 4, 1, 4, 1, 4, 1,
    ]);
    expect(clock.delays).toEqual([100, 200, 400, 800]);
    // Five failed attempts open the breaker; Retry-After is its 10 s cool-down.
    expect(pool.breakers.state(broken.url, clock.now())).toBe("open");
    const response = error.getResponse();
    expect(response.status).toBe(503);
    expect(response.headers.get("retry-after")).toBe("10");
    expect(await response.json()).toEqual({
      error: {
        message:
          "No GPU worker is available to compute embeddings right now; retry later.",
        type: "server_error",
        param: null,
        code: "gpu_pool_unavailable",
      },
    });
  });

  it("fails over to a working endpoint, which then embeds the same input", async () => {
    const good = await startFakeSglang();
    try {
      const result = await createGpuPool(
        testConfig([broken.url, good.url]),
      ).embed(textItems(["t0"]));
      expect(result.vectors).toEqual([expectedVector("t0")]);
      expect(broken.embedCalls().map((r) => r.body?.input)).toEqual([
        ["t0"],
        ["ping"],
      ]);
      expect(result.calls).toBe(3);
    } finally {
      await good.close();
    }
  });

  it("stops isolating after its call budget and counts the attempt as the endpoint's failure", async () => {
    // Every batch of two or more fails, every single input works: nothing to blame.
    broken.setHandler((req) =>
      (req.body?.input.length ?? 0) > 1
        ? sglangError(500, ENGINE_500)
        : embeddingsReply(req),
    );
    const clock = fakeClock();
    const pool = createGpuPool(
      testConfig([broken.url], { maxRetries: 0 }),
      clock,
    );
    const error = await rejection(
      pool.embed(textItems(["t0", "t1", "t2", "t3"])),
    );
    // The sub-batch, then 1 + 2·log2(4) = 5 more: canary, [t0 t1], t0, t1, [t2 t3].
    expect(broken.embedCalls().map((r) => r.body?.input)).toEqual([
      ["t0", "t1", "t2", "t3"],
      ["ping"],
      ["t0", "t1"],
      ["t0"],
      ["t1"],
      ["t2", "t3"],
    ]);
    expect(error.status).toBe(503);
  });
});
