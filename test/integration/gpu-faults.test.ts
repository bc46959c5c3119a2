/**
 * The GPU path under faults, through workerd against real stand-ins over HTTP. Each
 * case gets its own edge (its own isolate), so circuit-breaker state never leaks
 * between cases.
 */
import { describe, expect, it } from "vitest";
import { perTestStack } from "../support/per-test-stack";
import { freePort } from "../../infra/local/free-port";

const { standin, edgeFor } = perTestStack();

const body = { model: "Qwen3-Embedding-4B", input: ["fault tolerance test"] };

async function expectEnvelope(
  res: Response,
  status: number,
  error: Record<string, unknown>,
) {
  expect(res.status).toBe(status);
  expect(await res.json()).toEqual({ error });
}

describe("GPU failover and retries", () => {
  it("fails over to the next URL when the first refuses connections", async () => {
    const dead = `http://127.0.0.1:${await freePort()}`;
    const live = await standin();
    const edge = await edgeFor([dead, live.url]);
    const res = await edge.embed(body);
    expect(res.status).toBe(200);
    expect(((await res.json()) as { data: unknown[] }).data).toHaveLength(1);
    expect(live.stats().calls).toBe(1);
  });

  it("retries an injected 503, waiting for its Retry-After", async () => {
    const flaky = await standin({
      faults: { errorRate: 1, errorStatus: 503, retryAfterS: 1 },
    });
    const edge = await edgeFor([flaky.url]);
    const started = Date.now();
    const pending = edge.embed(body);
    while (flaky.stats().calls < 1) await new Promise((r) => setTimeout(r, 10));
    flaky.setFaults({ errorRate: 0 });
    const res = await pending;
    expect(res.status).toBe(200);
    expect(flaky.stats().calls).toBe(2);
    expect(Date.now() - started).toBeGreaterThanOrEqual(1000);
  });

  it("answers 503 with Retry-After when every endpoint keeps failing", async () => {
    const down = await standin({ faults: { errorRate: 1, errorStatus: 503 } });
    const edge = await edgeFor([down.url], { GPU_MAX_RETRIES: "2" });
    const res = await edge.embed(body);
    expect(res.headers.get("retry-after")).toMatch(/^\d+$/);
    expect(Number(res.headers.get("retry-after-ms"))).toBe(
      Number(res.headers.get("retry-after")) * 1000,
    );
    await expectEnvelope(res, 503, {
      message:
        "No GPU worker is available to compute embeddings right now; retry later.",
      type: "server_error",
      param: null,
      code: "gpu_pool_unavailable",
    });
    expect(down.stats().calls).toBe(3); // the first try and two retries
  });

  it("answers 503 with Retry-After when the upstream times out", async () => {
    const slow = await standin({ faults: { delayMs: 5000 } });
    const edge = await edgeFor([slow.url], {
      GPU_CALL_TIMEOUT_MS: "300",
      GPU_DEADLINE_MS: "1000",
    });
    const started = Date.now();
    const res = await edge.embed(body);
    expect(Date.now() - started).toBeLessThan(4000);
    expect(Number(res.headers.get("retry-after"))).toBeGreaterThanOrEqual(1);
    await expectEnvelope(res, 503, {
      message:
        "No GPU worker is available to compute embeddings right now; retry later.",
      type: "server_error",
      param: null,
      code: "gpu_pool_unavailable",
    });
  });

  it("reports not ready, and 503, when no endpoint is reachable", async () => {
    const edge = await edgeFor([`http://127.0.0.1:${await freePort()}`], {
      GPU_MAX_RETRIES: "1",
    });
    const ready = await edge.fetch("/readyz");
    expect(ready.status).toBe(503);
    expect(await ready.json()).toEqual({
      status: "unavailable",
      checks: { gpu_pool: false },
    });
    expect((await edge.embed(body)).status).toBe(503);
  });
});

describe("invalid upstream answers", () => {
  for (const malformed of ["wrong-length", "nan"] as const) {
    it(`answers 502 and no vector for a ${malformed} vector`, async () => {
      const broken = await standin({ faults: { malformed } });
      const edge = await edgeFor([broken.url], { GPU_MAX_RETRIES: "0" });
      for (const encoding_format of ["float", "base64"]) {
        const res = await edge.embed({ ...body, encoding_format });
        const text = await res.text();
        expect(res.status).toBe(502);
        expect(JSON.parse(text)).toEqual({
          error: {
            message: "A GPU worker returned an invalid embedding response.",
            type: "server_error",
            param: null,
            code: "upstream_invalid_response",
          },
        });
      }
    });
  }

  it("turns SGLang's 400 for an over-long input into our 400", async () => {
    const small = await standin({ contextLength: 8 });
    const edge = await edgeFor([small.url]);
    const res = await edge.embed({
      model: "Qwen3-Embedding-4B",
      input: ["short", "one two three four five six seven eight nine ten"],
    });
    expect(res.status).toBe(400);
    expect(await res.json()).toEqual({
      error: {
        message:
          "input[1] is longer than the model's context length of 8 tokens.",
        type: "invalid_request_error",
        param: "input[1]",
        code: null,
      },
    });
    // The batch (400), then its halves until the refused input is alone; nothing retried.
    expect(small.stats().recent.map((c) => c.inputs)).toEqual([
      ["short", "one two three four five six seven eight nine ten"],
      ["short"],
      ["one two three four five six seven eight nine ten"],
    ]);
  });
});
