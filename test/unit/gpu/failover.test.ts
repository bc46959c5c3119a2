import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { ApiError } from "../../../workers/errors/api-error";
import { createGpuPool } from "../../../workers/gpu/pool";
import { GpuInputRejected } from "../../../workers/gpu/pool-errors";
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

const TOKEN = "sk-gpu-secret-token";
const texts = ["one", "two"];

async function rejection(promise: Promise<unknown>): Promise<ApiError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!(error instanceof ApiError))
    throw new Error(`expected an ApiError, got ${String(error)}`);
  return error;
}

/** Status, headers and body as the edge's onError would send them. */
async function rendered(error: ApiError) {
  const response = error.getResponse();
  return {
    status: response.status,
    retryAfter: response.headers.get("retry-after"),
    body: (await response.json()) as unknown,
  };
}

const GPU_UNAVAILABLE_BODY = {
  error: {
    message:
      "No GPU worker is available to compute embeddings right now; retry later.",
    type: "server_error",
    param: null,
    code: "gpu_pool_unavailable",
  },
};

describe("failover and retries", () => {
  let sglang: FakeSglang;
  beforeEach(async () => {
    vi.spyOn(console, "error").mockImplementation(() => {});
    sglang = await startFakeSglang();
  });
  afterEach(async () => {
    vi.restoreAllMocks();
    await sglang.close();
  });

  it("sends the token, lane and JSON headers", async () => {
    const pool = createGpuPool(testConfig([sglang.url], { token: TOKEN }), {
      lane: "bulk",
    });
    await pool.embed(textItems(texts));
    const headers = sglang.embedCalls()[0]?.headers;
    expect([
      headers?.authorization,
      headers?.["x-lane"],
      headers?.["content-type"],
    ]).toEqual([`Bearer ${TOKEN}`, "bulk", "application/json"]);
  });

  it("fails over at once to the next URL when the first refuses connections", async () => {
    const clock = fakeClock();
    const pool = createGpuPool(
      testConfig([await refusingUrl(), sglang.url]),
      clock,
    );
    const result = await pool.embed(textItems(texts));
    expect(result.vectors).toEqual(texts.map(expectedVector));
    expect(result.calls).toBe(2);
    expect(clock.delays).toEqual([]);
  });

  it("retries a 503 after its Retry-After seconds, then succeeds", async () => {
    sglang.setHandler((req, n) =>
      n === 1
        ? {
            ...sglangError(503, "overloaded", "ServiceUnavailable"),
            headers: { "retry-after": "2" },
          }
        : embeddingsReply(req),
    );
    const clock = fakeClock();
    const result = await createGpuPool(testConfig([sglang.url]), {
      ...clock,
      random: () => 0.5,
    }).embed(textItems(texts));
    expect(result.vectors).toEqual(texts.map(expectedVector));
    expect(result.calls).toBe(2);
    expect(clock.delays).toEqual([2_000]);
  });

  it("honours Retry-After given as an HTTP date", async () => {
    const clock = fakeClock();
    const at = new Date(clock.t + 7_000).toUTCString();
    sglang.setHandler((req, n) =>
      n === 1
        ? { status: 503, text: "", headers: { "retry-after": at } }
        : embeddingsReply(req),
    );
    await createGpuPool(testConfig([sglang.url]), {
      ...clock,
      random: () => 0.5,
    }).embed(textItems(texts));
    expect(clock.delays).toEqual([7_000]);
  });

  it("backs off with full jitter when 502/503/504 answers give no Retry-After", async () => {
    const statuses = [502, 503, 504];
    sglang.setHandler((req, n) =>
      n <= 3
        ? sglangError(statuses[n - 1]!, "busy", "ServiceUnavailable")
        : embeddingsReply(req),
    );
    const clock = fakeClock();
    const result = await createGpuPool(testConfig([sglang.url]), {
      ...clock,
      random: () => 0.5,
    }).embed(textItems(texts));
    expect(result.calls).toBe(4);
    expect(clock.delays).toEqual([100, 200, 400]);
  });

  it("retries a 429 after its Retry-After", async () => {
    sglang.setHandler((req, n) =>
      n === 1
        ? { status: 429, text: "", headers: { "retry-after": "1" } }
        : embeddingsReply(req),
    );
    const clock = fakeClock();
    const result = await createGpuPool(testConfig([sglang.url]), {
      ...clock,
      random: () => 0,
    }).embed(textItems(texts));
    expect(result.vectors).toEqual(texts.map(expectedVector));
    expect(clock.delays).toEqual([1_000]);
  });

  it("moves to the next endpoint at once when one asks to wait, and leaves it alone until then", async () => {
    const other = await startFakeSglang((req, n) =>
      n === 1 ? sglangError(503, "busy") : embeddingsReply(req),
    );
    try {
      sglang.setHandler(() => ({
        status: 429,
        text: "",
        headers: { "retry-after": "30" },
      }));
      const clock = fakeClock();
      const result = await createGpuPool(testConfig([sglang.url, other.url]), {
        ...clock,
        random: () => 0.5,
      }).embed(textItems(texts));
      expect(result.vectors).toEqual(texts.map(expectedVector));
      // Round 1: first 429 (wait 30 s), other 503. Round 2 after 100 ms: only the other.
      expect([
        sglang.embedCalls().length,
        other.embedCalls().length,
        result.calls,
      ]).toEqual([1, 2, 3]);
      expect(clock.delays).toEqual([100]);
    } finally {
      await other.close();
    }
  });

  it("gives 503 with Retry-After after a timeout on every try", async () => {
    sglang.setHandler(() => ({ hang: true }));
    const clock = fakeClock();
    const pool = createGpuPool(
      testConfig([sglang.url], { callTimeoutMs: 100, maxRetries: 1 }),
      {
        ...clock,
        random: () => 0.5,
      },
    );
    const error = await rejection(pool.embed(textItems(texts)));
    expect(await rendered(error)).toEqual({
      status: 503,
      retryAfter: "5",
      body: GPU_UNAVAILABLE_BODY,
    });
    expect(sglang.embedCalls().length).toBe(2);
    expect(clock.delays).toEqual([100]);
  });

  it("stops at the deadline instead of waiting past it, passing the upstream's Retry-After on", async () => {
    sglang.setHandler(() => ({
      status: 503,
      text: "",
      headers: { "retry-after": "10" },
    }));
    const clock = fakeClock();
    const pool = createGpuPool(
      testConfig([sglang.url], { deadlineMs: 25_000, maxRetries: 10 }),
      {
        ...clock,
        random: () => 0.5,
      },
    );
    const error = await rejection(pool.embed(textItems(texts)));
    // Calls at 0 s, 10 s and 20 s; the next would start at 30 s, after the 25 s deadline.
    expect(await rendered(error)).toEqual({
      status: 503,
      retryAfter: "10",
      body: GPU_UNAVAILABLE_BODY,
    });
    expect(sglang.embedCalls().length).toBe(3);
    expect(clock.delays).toEqual([10_000, 10_000]);
  });

  it("gives up after maxRetries rounds over every endpoint", async () => {
    sglang.setHandler(() => sglangError(502, "bad gateway"));
    const clock = fakeClock();
    const refusing = await refusingUrl();
    const pool = createGpuPool(
      testConfig([refusing, sglang.url], { maxRetries: 2 }),
      { ...clock, random: () => 0.5 },
    );
    const error = await rejection(pool.embed(textItems(texts)));
    expect(await rendered(error)).toEqual({
      status: 503,
      retryAfter: "5",
      body: GPU_UNAVAILABLE_BODY,
    });
    expect(sglang.embedCalls().length).toBe(3);
    expect(clock.delays).toEqual([100, 200]);
  });

  it("turns an upstream 400 into our 400 on `input`, finding the input by halving, without failing over", async () => {
    sglang.setHandler(() =>
      sglangError(
        400,
        "The input (40000 tokens) is longer than the model's context length (32768 tokens).",
      ),
    );
    const other = await startFakeSglang();
    try {
      const pool = createGpuPool(testConfig([sglang.url, other.url]));
      const error = await rejection(pool.embed(textItems(texts)));
      expect(await rendered(error)).toEqual({
        status: 400,
        retryAfter: null,
        body: {
          error: {
            message:
              "An input is longer than the model's context length of 32768 tokens.",
            type: "invalid_request_error",
            param: "input",
            code: null,
          },
        },
      });
      // The whole sub-batch, then its first half: "one" alone is refused too.
      expect(sglang.embedCalls().map((r) => r.body?.input)).toEqual([
        texts,
        ["one"],
      ]);
      expect(other.embedCalls().length).toBe(0);
      expect(error).toBeInstanceOf(GpuInputRejected);
      expect((error as GpuInputRejected).itemIndex).toBe(0);
    } finally {
      await other.close();
    }
  });

  it("does not pass other upstream 400 messages through", async () => {
    sglang.setHandler(() =>
      sglangError(
        400,
        "Traceback (most recent call last): File /opt/sglang/srt/x.py",
      ),
    );
    const error = await rejection(
      createGpuPool(testConfig([sglang.url])).embed(textItems(texts)),
    );
    expect(error.body).toEqual({
      message: "An input was rejected by the embedding model.",
      type: "invalid_request_error",
      param: "input",
      code: null,
    });
  });

  it("treats 401/403 as our misconfiguration: logged, failed over, and 503 if nothing else works", async () => {
    sglang.setHandler(() => ({ status: 401, json: { detail: "bad token" } }));
    const clock = fakeClock();
    const error = await rejection(
      createGpuPool(testConfig([sglang.url], { token: TOKEN }), clock).embed(
        textItems(texts),
      ),
    );
    const out = await rendered(error);
    expect(out).toEqual({
      status: 503,
      retryAfter: "5",
      body: GPU_UNAVAILABLE_BODY,
    });
    expect(JSON.stringify(out)).not.toMatch(/127\.0\.0\.1|sk-gpu/);
    // Not retried: the same credentials would be refused again.
    expect(sglang.embedCalls().length).toBe(1);
    expect(clock.delays).toEqual([]);
    expect(console.error).toHaveBeenCalledTimes(1);
    expect(
      JSON.parse(vi.mocked(console.error).mock.calls[0]![0] as string),
    ).toEqual({
      component: "gpu-pool",
      event: "gpu_auth_rejected",
      endpoint: new URL(sglang.url).host,
      status: 401,
      hint: "GPU pool token is wrong or missing for this endpoint",
    });

    const good = await startFakeSglang();
    try {
      sglang.setHandler(() => ({ status: 403, text: "" }));
      const result = await createGpuPool(
        testConfig([sglang.url, good.url], { token: TOKEN }),
      ).embed(textItems(texts));
      expect(result.vectors).toEqual(texts.map(expectedVector));
    } finally {
      await good.close();
    }
  });

  it("rethrows the caller's abort reason and stops the call in flight", async () => {
    sglang.setHandler(() => ({ hang: true }));
    const controller = new AbortController();
    const reason = new Error("client went away");
    const pending = createGpuPool(testConfig([sglang.url])).embed(
      textItems(texts),
      controller.signal,
    );
    await vi.waitFor(() => expect(sglang.embedCalls().length).toBe(1));
    controller.abort(reason);
    await expect(pending).rejects.toBe(reason);
    await vi.waitFor(() => expect(sglang.abandoned()).toBe(1));
  });
});
