/**
 * One tenant's input never degrades service for another: through workerd against the
 * real stand-in, an input the engine fails on (500) is isolated and answered 400 naming
 * `input[i]` in the client's request, is not retried as an outage and never opens the
 * endpoint's breaker; an endpoint that fails everything is still a 503. Each case gets its
 * own edge (its own isolate), so breaker state never leaks between cases.
 */
import { describe, expect, it } from "vitest";
import type { TestEdge } from "../support/edge";
import { perTestStack } from "../support/per-test-stack";

const MODEL = "Qwen3-Embedding-4B";
const POISON = "poison pill";
const INJECTED =
  "Injected fault: the stand-in was configured to fail on this input";

const { standin, edgeFor } = perTestStack();

function embedAs(
  edge: TestEdge,
  apiKey: string,
  body: unknown,
): Promise<Response> {
  return edge.fetch("/v1/embeddings", {
    method: "POST",
    headers: {
      authorization: `Bearer ${apiKey}`,
      "content-type": "application/json",
    },
    body: JSON.stringify(body),
  });
}

const rejected = (index: number) => ({
  error: {
    message: `input[${index}] was rejected by the embedding model: ${INJECTED}`,
    type: "invalid_request_error",
    param: `input[${index}]`,
    code: null,
  },
});

describe("a failure that follows an input", () => {
  it("embeds end-of-text alone ([[151643]]) like any one-token input", async () => {
    const gpu = await standin();
    const edge = await edgeFor([gpu.url]);
    const res = await edge.embed({ model: MODEL, input: [[151643]] });
    expect(res.status).toBe(200);
    expect(res.headers.get("x-cache")).toBe("hits=0 misses=1");
    const body = (await res.json()) as {
      data: { embedding: number[]; index: number }[];
      usage: unknown;
    };
    expect(body.usage).toEqual({ prompt_tokens: 1, total_tokens: 1 });
    expect(body.data.map((d) => d.index)).toEqual([0]);
    const vector = body.data[0]!.embedding;
    expect(vector).toHaveLength(2560);
    expect(Math.abs(Math.hypot(...vector) - 1)).toBeLessThan(1e-3);
    expect(gpu.stats().recent.map((c) => c.inputs)).toEqual([[[151643]]]);
  });

  it("is a 400 naming input[i] with the engine's reason, not retried, and never opens the breaker for others", async () => {
    const gpu = await standin({ faults: { failInputs: [POISON] } });
    const edge = await edgeFor([gpu.url]);

    // Duplicates are sent once: the GPU sees [fine, poison, also fine], the client index is 2.
    const res = await edge.embed({
      model: MODEL,
      input: ["fine one", "fine one", POISON, "also fine"],
    });
    expect(res.status).toBe(400);
    expect(res.headers.get("retry-after")).toBeNull();
    expect(await res.json()).toEqual(rejected(2));
    expect(gpu.stats().recent.map((c) => c.inputs)).toEqual([
      ["fine one", POISON, "also fine"], // 500
      ["ping"], // the canary: the endpoint works
      ["fine one", POISON], // 500
      ["fine one"],
      [POISON], // 500: the input
    ]);

    // Twelve more (the breaker opens after 5 failures) from the same tenant...
    for (let i = 0; i < 12; i++) {
      const again = await edge.embed({ model: MODEL, input: [POISON] });
      expect(again.status).toBe(400);
      expect(await again.json()).toEqual(rejected(0));
    }
    // ...and another tenant is still served.
    const other = await edge.newTenant({ name: "bystander" });
    const served = await embedAs(edge, other.apiKey, {
      model: MODEL,
      input: ["an innocent text"],
    });
    expect(served.status).toBe(200);
    expect(((await served.json()) as { data: unknown[] }).data).toHaveLength(1);
  });

  it("names the client's index when earlier inputs were cache hits", async () => {
    const gpu = await standin({ faults: { failInputs: [POISON] } });
    const edge = await edgeFor([gpu.url]);
    expect((await edge.embed({ model: MODEL, input: ["warm"] })).status).toBe(
      200,
    );
    gpu.resetStats();
    const res = await edge.embed({
      model: MODEL,
      input: ["warm", "warm", POISON],
    });
    expect(res.status).toBe(400);
    expect(await res.json()).toEqual(rejected(2));
    expect(gpu.stats().recent.map((c) => c.inputs)).toEqual([
      [POISON],
      ["ping"],
    ]);
  });

  it("is a 400 for an engine 400 in a batch as well, naming the input", async () => {
    const gpu = await standin({
      faults: { failInputs: [[7, 8, 151643]], failInputStatus: 400 },
    });
    const edge = await edgeFor([gpu.url]);
    const res = await edge.embed({
      model: MODEL,
      input: [[1, 2], [7, 8], [3]],
    });
    expect(res.status).toBe(400);
    expect(await res.json()).toEqual(rejected(1));
  });
});

describe("an endpoint that fails everything", () => {
  it("is still a 503 with Retry-After, not blamed on an input", async () => {
    const gpu = await standin({ faults: { errorRate: 1, errorStatus: 500 } });
    const edge = await edgeFor([gpu.url], { GPU_MAX_RETRIES: "1" });
    const res = await edge.embed({ model: MODEL, input: ["one", "two"] });
    expect(res.status).toBe(503);
    expect(res.headers.get("retry-after")).toMatch(/^[1-9]\d*$/);
    expect(Number(res.headers.get("retry-after-ms"))).toBe(
      Number(res.headers.get("retry-after")) * 1000,
    );
    expect(await res.json()).toEqual({
      error: {
        message:
          "No GPU worker is available to compute embeddings right now; retry later.",
        type: "server_error",
        param: null,
        code: "gpu_pool_unavailable",
      },
    });
    // Two attempts (the first and one retry), each the batch then the canary.
    expect(gpu.stats().recent.map((c) => c.inputs)).toEqual([
      ["one", "two"],
      ["ping"],
      ["one", "two"],
      ["ping"],
    ]);
  });
});
