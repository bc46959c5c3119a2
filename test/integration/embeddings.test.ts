/**
 * `/v1/embeddings` through workerd (Miniflare) against the CPU stand-in over HTTP:
 * shapes, order, usage, headers, and exactly what reaches the GPU worker.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { startEdge, type TestEdge } from "../support/edge";
import { startStandin, type Standin } from "../support/standin";
import { qwen3TokenCount } from "../support/qwen3-count";
import {
  float32FromBase64,
  servedFromFloat16Record,
} from "../support/served-vector";

let standin: Standin;
let edge: TestEdge;

beforeAll(async () => {
  standin = await startStandin({});
  edge = await startEdge({ gpuUrls: [standin.url] });
});
afterAll(async () => {
  await edge?.dispose();
  await standin?.close();
});
beforeEach(() => standin.resetStats());

/** What the edge serves for `text`: the stand-in's vector as a float16 cache record holds it. */
async function servedVector(text: string, dims: number): Promise<Float32Array> {
  return servedFromFloat16Record(await directVector(text), dims);
}

async function directVector(text: string): Promise<Float32Array> {
  const res = await fetch(`${standin.url}/v1/embeddings`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({
      model: "Qwen/Qwen3-Embedding-4B",
      input: [text],
      encoding_format: "base64",
    }),
  });
  const body = (await res.json()) as { data: { embedding: string }[] };
  return float32FromBase64(body.data[0]!.embedding);
}

describe("POST /v1/embeddings", () => {
  it("answers OpenAI's shape, in input order, with exact usage and the stand-in's vectors", async () => {
    const input = [
      "Hello, my dog is cute",
      "The food was delicious",
      "Paris is in France",
    ];
    const res = await edge.embed({ model: "Qwen3-Embedding-4B", input });
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("application/json");
    const body = (await res.json()) as {
      object: string;
      model: string;
      data: { object: string; index: number; embedding: number[] }[];
      usage: unknown;
    };
    expect(body.object).toBe("list");
    expect(body.model).toBe("Qwen3-Embedding-4B");
    const counts = await Promise.all(input.map(qwen3TokenCount));
    expect(counts[0]).toBe(7);
    expect(body.usage).toEqual({
      prompt_tokens: counts[0]! + counts[1]! + counts[2]!,
      total_tokens: counts[0]! + counts[1]! + counts[2]!,
    });
    expect(
      body.data.map((d) => [d.object, d.index, d.embedding.length]),
    ).toEqual([
      ["embedding", 0, 2560],
      ["embedding", 1, 2560],
      ["embedding", 2, 2560],
    ]);
    expect(standin.stats().recent.map((r) => r.inputs)).toEqual([input]);
    for (const [i, text] of input.entries()) {
      expect(new Float32Array(body.data[i]!.embedding)).toEqual(
        await servedVector(text, 2560),
      );
    }
  });

  it("gives bit-identical vectors as float and base64, at any dimensions", async () => {
    for (const dimensions of [32, 256, 2560]) {
      const asFloat = (await (
        await edge.embed({
          model: "Qwen3-Embedding-4B",
          input: "same text",
          dimensions,
        })
      ).json()) as { data: { embedding: number[] }[] };
      const asB64 = (await (
        await edge.embed({
          model: "Qwen3-Embedding-4B",
          input: "same text",
          dimensions,
          encoding_format: "base64",
        })
      ).json()) as { data: { embedding: string }[] };
      const fromFloat = new Float32Array(asFloat.data[0]!.embedding);
      const fromB64 = float32FromBase64(asB64.data[0]!.embedding);
      expect(fromFloat.length).toBe(dimensions);
      expect(new Uint8Array(fromB64.buffer)).toEqual(
        new Uint8Array(fromFloat.buffer),
      );
      expect(fromFloat).toEqual(await servedVector("same text", dimensions));
    }
  });

  it("always asks the GPU for full vectors and sends duplicates once", async () => {
    const [a, b] = ["alpha beta gamma", "delta epsilon zeta"];
    const res = await edge.embed({
      model: "Qwen/Qwen3-Embedding-4B",
      input: [b, a, b],
      dimensions: 64,
    });
    const body = (await res.json()) as {
      data: { embedding: number[] }[];
      usage: { prompt_tokens: number };
    };
    expect(body.data[0]!.embedding).toEqual(body.data[2]!.embedding);
    expect(body.data[0]!.embedding).not.toEqual(body.data[1]!.embedding);
    expect(body.usage.prompt_tokens).toBe(
      2 * (await qwen3TokenCount(b)) + (await qwen3TokenCount(a)),
    );
    expect(standin.stats().recent.map((r) => r.inputs)).toEqual([[b, a]]);
  });

  it("formats queries with the instruction template, documents verbatim", async () => {
    await edge.embed({
      model: "Qwen3-Embedding-4B",
      input: ["what is rust?"],
      input_type: "query",
    });
    await edge.embed({
      model: "Qwen3-Embedding-4B",
      input: ["what is rust?"],
      instruction: "Find code",
    });
    await edge.embed({
      model: "Qwen3-Embedding-4B",
      input: ["what is rust?"],
      input_type: "document",
    });
    expect(standin.stats().recent.map((r) => r.inputs)).toEqual([
      [
        "Instruct: Given a web search query, retrieve relevant passages that answer the query\nQuery:what is rust?",
      ],
      ["Instruct: Find code\nQuery:what is rust?"],
      ["what is rust?"],
    ]);
  });

  it("sends token-id inputs as ids with end-of-text appended once", async () => {
    const res = await edge.embed({
      model: "Qwen3-Embedding-4B",
      input: [
        [9707, 11],
        [374, 151643],
      ],
    });
    const body = (await res.json()) as { data: unknown[]; usage: unknown };
    expect(body.data).toHaveLength(2);
    expect(body.usage).toEqual({ prompt_tokens: 5, total_tokens: 5 });
    expect(standin.stats().recent.map((r) => r.inputs)).toEqual([
      [
        [9707, 11, 151643],
        [374, 151643],
      ],
    ]);
    // A single token array is one input.
    const single = (await (
      await edge.embed({
        model: "Qwen3-Embedding-4B",
        input: [9707, 11, 847, 5562, 374, 18838],
      })
    ).json()) as { data: { embedding: number[] }[]; usage: unknown };
    expect(single.usage).toEqual({ prompt_tokens: 7, total_tokens: 7 });
    // The stand-in decodes ids to text, so ids and their text give the same vector, as with the real model.
    const text = (await (
      await edge.embed({
        model: "Qwen3-Embedding-4B",
        input: "Hello, my dog is cute",
      })
    ).json()) as { data: { embedding: number[] }[] };
    expect(single.data[0]!.embedding).toEqual(text.data[0]!.embedding);
  });

  it("refuses an input over the context length before any GPU work, naming its index", async () => {
    const long = "hello ".repeat(33_000);
    const res = await edge.embed({
      model: "Qwen3-Embedding-4B",
      input: ["short", long],
    });
    expect(res.status).toBe(400);
    expect(await res.json()).toEqual({
      error: {
        // 33,000 words (one token each, the trailing space a token too) plus end-of-text.
        message:
          "Input [1] has 33002 tokens, more than the maximum of 32767 tokens per input (end-of-text included).",
        type: "invalid_request_error",
        param: "input[1]",
        code: "context_length_exceeded",
      },
    });
    expect(standin.stats().calls).toBe(0);
  });

  it("refuses more than 300,000 tokens per request with code max_tokens_per_request", async () => {
    const chunk = "hello ".repeat(30_000); // 30,001 tokens each
    const res = await edge.embed({
      model: "Qwen3-Embedding-4B",
      input: Array.from({ length: 11 }, (_, i) => `${i} ${chunk}`),
    });
    expect(res.status).toBe(400);
    expect(await res.json()).toEqual({
      error: {
        message:
          "The request has more than 300000 tokens in total; send fewer or shorter inputs per request.",
        type: "invalid_request_error",
        param: "input",
        code: "max_tokens_per_request",
      },
    });
    expect(standin.stats().calls).toBe(0);
  });
});

describe("headers", () => {
  it("echoes a valid x-request-id and generates one otherwise", async () => {
    const echoed = await edge.embed(
      { model: "Qwen3-Embedding-4B", input: "x" },
      { "x-request-id": "client-123.abc" },
    );
    expect(echoed.headers.get("x-request-id")).toBe("client-123.abc");
    const generated = await edge.embed(
      { model: "Qwen3-Embedding-4B", input: "x" },
      { "x-request-id": "has spaces <script>" },
    );
    expect(generated.headers.get("x-request-id")).toMatch(/^req_[0-9a-f]{32}$/);
    const onError = await edge.embed(
      { model: "nope", input: "x" },
      { "x-request-id": "err-1" },
    );
    expect(onError.status).toBe(404);
    expect(onError.headers.get("x-request-id")).toBe("err-1");
  });

  it("reports gpu and total in server-timing", async () => {
    const res = await edge.embed({
      model: "Qwen3-Embedding-4B",
      input: "timing",
    });
    const timing = res.headers.get("server-timing") ?? "";
    expect(timing).toMatch(/(^|,)gpu;dur=\d+(\.\d+)?(,|$)/);
    expect(timing).toMatch(
      /(^|,)total;dur=\d+(\.\d+)?;desc="Total Response Time"$/,
    );
  });
});

describe("other routes", () => {
  it("lists the model in OpenAI's shape", async () => {
    const res = await edge.fetch("/v1/models", {
      headers: { authorization: `Bearer ${edge.apiKey}` },
    });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({
      object: "list",
      data: [
        {
          id: "Qwen3-Embedding-4B",
          object: "model",
          created: 1749081600,
          owned_by: "qwen",
        },
      ],
    });
  });

  it("answers healthz and readyz without a key", async () => {
    expect(await (await edge.fetch("/healthz")).json()).toEqual({
      status: "ok",
    });
    const ready = await edge.fetch("/readyz");
    expect(ready.status).toBe(200);
    expect(await ready.json()).toEqual({
      status: "ready",
      checks: { gpu_pool: true },
    });
  });

  it("serves the generated OpenAPI document", async () => {
    const doc = (await (await edge.fetch("/openapi.json")).json()) as {
      paths: Record<string, unknown>;
      components: { schemas: Record<string, unknown> };
    };
    // Every served route, health and the unencoded-slash model path included (they were
    // served undocumented before every route went through app.openapi()).
    expect(Object.keys(doc.paths).sort()).toEqual(
      [
        "/admin/v1/keys/{keyId}",
        "/admin/v1/tenants",
        "/admin/v1/tenants/{id}",
        "/admin/v1/tenants/{id}/keys",
        "/admin/v1/tenants/{id}/usage",
        "/admin/v1/tenants/{id}/webhook-secret",
        "/admin/v1/tenants/reindex",
        "/assets/{file}",
        "/console",
        "/docs",
        "/v1/account",
        "/v1/keys",
        "/v1/keys/{id}",
        "/v1/webhook-secret",
        "/v1/webhook-secret/rotate",
        "/v1/batches",
        "/v1/batches/{batch_id}",
        "/v1/batches/{batch_id}/cancel",
        "/v1/embeddings",
        "/v1/files",
        "/v1/files/{file_id}",
        "/v1/files/{file_id}/content",
        "/v1/index/jobs",
        "/v1/index/jobs/{id}",
        "/v1/index/jobs/{id}/cancel",
        "/v1/index/jobs/{id}/results",
        "/v1/models",
        "/v1/models/{model}",
        "/v1/models/{owner}/{name}",
        "/v1/usage",
        "/healthz",
        "/readyz",
      ].sort(),
    );
    expect(Object.keys(doc.components.schemas)).toEqual(
      expect.arrayContaining([
        "CreateEmbeddingRequest",
        "CreateEmbeddingResponse",
        "Error",
        "CreateIndexJobRequest",
        "IndexJob",
      ]),
    );
  });

  it("answers unknown routes with a 404 envelope", async () => {
    const res = await edge.fetch("/v2/nothing");
    expect(res.status).toBe(404);
    expect(await res.json()).toEqual({
      error: {
        message: "Unknown route: GET /v2/nothing",
        type: "invalid_request_error",
        param: null,
        code: null,
      },
    });
  });
});

describe("authentication on /v1", () => {
  const routes: [string, RequestInit][] = [
    [
      "/v1/embeddings",
      {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ model: "Qwen3-Embedding-4B", input: "x" }),
      },
    ],
    ["/v1/models", { method: "GET" }],
  ];
  it.each(routes)(
    "%s refuses a missing, malformed or wrong key with 401",
    async (path, init) => {
      const missing = await edge.fetch(path, init);
      expect(missing.status).toBe(401);
      expect(await missing.json()).toEqual({
        error: {
          message:
            "You didn't provide an API key. You need to provide your API key in an Authorization header using Bearer auth (i.e. Authorization: Bearer YOUR_KEY).",
          type: "invalid_request_error",
          param: null,
          code: null,
        },
      });
      for (const authorization of [
        "Basic abc",
        `Bearer ${edge.apiKey}x`,
        "Bearer ",
        `${edge.apiKey}`,
      ]) {
        const res = await edge.fetch(path, {
          ...init,
          headers: {
            ...(init.headers as Record<string, string>),
            authorization,
          },
        });
        expect(res.status).toBe(401);
        expect(await res.json()).toEqual({
          error: {
            message:
              "Incorrect API key provided. Check the key you are using, or ask your administrator for a new one.",
            type: "invalid_request_error",
            param: null,
            code: "invalid_api_key",
          },
        });
      }
      expect(standin.stats().calls).toBe(0);
    },
  );
});
