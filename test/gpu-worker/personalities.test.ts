// The stand-in's engine personalities (--engine) over real HTTP: each engine's success
// body byte for byte, its error bodies and statuses, health/info routes, auth, token
// counting and end-of-text behaviour; and the one property mixed pools rely on: the same
// model input gives the same vector whatever the personality.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { embedText } from "../../gpu-worker/standin/embedder";
import type { EnginePersonality } from "../../gpu-worker/standin/personalities/personality";
import { type Standin, startStandin } from "../../gpu-worker/standin/server";
import { qwen3TokenIds } from "../../workers/tokenizer/qwen3-tokens";
import { float32FromBase64, postJson } from "./http";

const HELLO = "Hello, my dog is cute"; // 6 tokens, 7 with end-of-text
const EOT = 151643;

const servers = new Map<EnginePersonality, Standin>();
beforeAll(async () => {
  for (const engine of ["sglang", "vllm", "tei", "llamacpp"] as const) {
    servers.set(
      engine,
      await startStandin({ engine, contextLength: 8, apiKey: "k" }),
    );
  }
});
afterAll(async () => {
  await Promise.all([...servers.values()].map((s) => s.close()));
});

const auth = { authorization: "Bearer k" };
const url = (engine: EnginePersonality, path: string) =>
  `${servers.get(engine)!.url}${path}`;
const get = (
  engine: EnginePersonality,
  path: string,
  headers: Record<string, string> = auth,
) => fetch(url(engine, path), { headers });
const b64 = (v: Float32Array) =>
  Buffer.from(v.buffer, v.byteOffset, v.byteLength).toString("base64");

describe("success bodies", () => {
  it("vLLM: EmbeddingResponse with its id, served model name and usage", async () => {
    const res = await postJson(
      url("vllm", "/v1/embeddings"),
      { input: [HELLO], encoding_format: "base64" },
      auth,
    );
    expect(res.status).toBe(200);
    const text = await res.text();
    const body = JSON.parse(text) as Record<string, unknown>;
    expect(Object.keys(body)).toEqual([
      "id",
      "object",
      "created",
      "model",
      "data",
      "usage",
    ]);
    expect(body.id).toMatch(/^embd-[0-9a-f]{32}$/);
    expect(body).toMatchObject({
      object: "list",
      model: "Qwen/Qwen3-Embedding-4B",
      data: [
        { index: 0, object: "embedding", embedding: b64(embedText(HELLO)) },
      ],
      usage: {
        prompt_tokens: 7,
        total_tokens: 7,
        completion_tokens: 0,
        prompt_tokens_details: null,
      },
    });
  });

  it("TEI /embed: a bare float list with x-compute-tokens; the OpenAI route in serde order", async () => {
    const native = await postJson(
      url("tei", "/embed"),
      { inputs: [HELLO] },
      auth,
    );
    expect(native.status).toBe(200);
    expect(native.headers.get("x-compute-tokens")).toBe("7");
    expect(await native.text()).toBe(
      JSON.stringify([Array.from(embedText(HELLO))]),
    );
    const openai = await postJson(
      url("tei", "/v1/embeddings"),
      { input: HELLO, encoding_format: "base64" },
      auth,
    );
    expect(await openai.text()).toBe(
      `{"object":"list","data":[{"object":"embedding","embedding":"${b64(embedText(HELLO))}","index":0}],` +
        `"model":"Qwen/Qwen3-Embedding-4B","usage":{"prompt_tokens":7,"total_tokens":7}}`,
    );
  });

  it("llama.cpp: sorted keys, encoding_format on base64 items; a text pools without end-of-text", async () => {
    const ids = await qwen3TokenIds(HELLO);
    const res = await postJson(
      url("llamacpp", "/v1/embeddings"),
      { input: [ids], encoding_format: "base64" },
      auth,
    );
    expect(await res.text()).toBe(
      `{"data":[{"embedding":"${b64(embedText(HELLO))}","encoding_format":"base64","index":0,"object":"embedding"}],` +
        `"model":"Qwen/Qwen3-Embedding-4B","object":"list","usage":{"prompt_tokens":7,"total_tokens":7}}`,
    );
    // The same text as a string: an older GGUF appends nothing, so 6 tokens and another vector.
    const text = await postJson(
      url("llamacpp", "/v1/embeddings"),
      { input: HELLO, encoding_format: "base64" },
      auth,
    );
    const body = (await text.json()) as {
      data: { embedding: string }[];
      usage: unknown;
    };
    expect(body.usage).toEqual({ prompt_tokens: 6, total_tokens: 6 });
    expect(float32FromBase64(body.data[0]!.embedding)).not.toEqual(
      embedText(HELLO),
    );
    expect(float32FromBase64(body.data[0]!.embedding)).toEqual(
      embedText(HELLO, { extraFeature: "no end-of-text token" }),
    );
  });

  it("gives one model input the same vector in every personality (texts with end-of-text, or ids)", async () => {
    const ids = await qwen3TokenIds(HELLO);
    const vectors = await Promise.all(
      (["sglang", "vllm", "tei", "llamacpp"] as const).map(async (engine) => {
        const res = await postJson(
          url(engine, "/v1/embeddings"),
          { input: [ids], encoding_format: "base64" },
          auth,
        );
        return ((await res.json()) as { data: { embedding: string }[] })
          .data[0]!.embedding;
      }),
    );
    expect(new Set(vectors).size).toBe(1);
    expect(vectors[0]).toBe(b64(embedText(HELLO)));
  });
});

describe("errors", () => {
  const long = "one two three four five six seven eight nine ten"; // more than 8 tokens

  it.each([
    [
      "sglang",
      "/v1/embeddings",
      { input: [long] },
      400,
      {
        object: "error",
        message:
          "The input (11 tokens) is longer than the model's context length (8 tokens).",
        type: "BadRequestError",
        param: null,
        code: 400,
      },
    ],
    [
      "vllm",
      "/v1/embeddings",
      { input: [long] },
      400,
      {
        error: {
          message:
            "This model's maximum context length is 8 tokens. However, you requested 11 tokens in the input for embedding generation. Please reduce the length of the input.",
          type: "BadRequestError",
          param: null,
          code: 400,
        },
      },
    ],
    [
      "tei",
      "/embed",
      { inputs: [long] },
      422,
      {
        error:
          "Input validation error: `inputs` must have less than 8 tokens. Given: 11",
        error_type: "Validation",
      },
    ],
    [
      "tei",
      "/v1/embeddings",
      { input: [long] },
      422,
      {
        message:
          "Input validation error: `inputs` must have less than 8 tokens. Given: 11",
        code: 422,
        type: "Validation",
      },
    ],
    [
      "tei",
      "/embed",
      { inputs: Array.from({ length: 33 }, () => "a") },
      422,
      {
        error: "batch size 33 > maximum allowed batch size 32",
        error_type: "Validation",
      },
    ],
    [
      "tei",
      "/embed",
      { inputs: [] },
      400,
      { error: "`inputs` cannot be empty", error_type: "Empty" },
    ],
    [
      "llamacpp",
      "/v1/embeddings",
      { input: [[...Array.from({ length: 9 }, () => 1), EOT]] },
      500,
      {
        error: {
          code: 500,
          message:
            "input (10 tokens) is too large to process. increase the physical batch size (current batch size: 8)",
          type: "server_error",
        },
      },
    ],
    [
      "llamacpp",
      "/v1/embeddings",
      { input: [""] },
      400,
      {
        error: {
          code: 400,
          message: "Input content cannot be empty",
          type: "invalid_request_error",
        },
      },
    ],
  ] as const)(
    "%s %s refuses %j with its own body",
    async (engine, path, body, status, expected) => {
      const res = await postJson(url(engine, path), body, auth);
      expect(res.status).toBe(status);
      expect(await res.json()).toEqual(expected);
    },
  );

  it("renders injected faults in each engine's error shape", async () => {
    const tei = servers.get("tei")!;
    tei.setFaults({ errorRate: 1, errorStatus: 503 });
    try {
      const res = await postJson(url("tei", "/embed"), { inputs: ["a"] }, auth);
      expect(res.status).toBe(503);
      expect(await res.json()).toEqual({
        error:
          "Injected fault: the stand-in was configured to answer this call with 503",
        error_type: "Unhealthy",
      });
    } finally {
      tei.setFaults({ errorRate: 0 });
    }
  });

  it.each([
    ["sglang", "/v1/embeddings", JSON.stringify({ error: "Unauthorized" })],
    ["vllm", "/v1/embeddings", JSON.stringify({ error: "Unauthorized" })],
    ["tei", "/embed", ""],
    [
      "llamacpp",
      "/v1/embeddings",
      JSON.stringify({
        error: {
          code: 401,
          message: "Invalid API Key",
          type: "authentication_error",
        },
      }),
    ],
  ] as const)(
    "%s answers a missing key with its own 401",
    async (engine, path, body) => {
      const res = await postJson(url(engine, path), {
        input: ["a"],
        inputs: ["a"],
      });
      expect(res.status).toBe(401);
      expect(await res.text()).toBe(body);
    },
  );
});

describe("health and info routes", () => {
  it("serve each engine's health without a key, and the info route detection reads", async () => {
    const health = await Promise.all(
      (["sglang", "vllm", "tei", "llamacpp"] as const).map(async (e) => {
        const res = await get(e, "/health", {});
        return [e, res.status, await res.text()];
      }),
    );
    expect(health).toEqual([
      ["sglang", 200, ""],
      ["vllm", 200, ""],
      ["tei", 200, ""],
      ["llamacpp", 200, '{"status":"ok"}'],
    ]);
    expect(await (await get("vllm", "/version", {})).json()).toEqual({
      version: "0.11.0",
    });
    expect(
      (
        (await (await get("vllm", "/v1/models")).json()) as {
          data: { owned_by: string }[];
        }
      ).data[0]!.owned_by,
    ).toBe("vllm");
    expect(await (await get("tei", "/info")).json()).toMatchObject({
      model_id: "Qwen/Qwen3-Embedding-4B",
      model_type: { embedding: { pooling: "last_token" } },
      max_input_length: 8,
      max_client_batch_size: 32,
    });
    expect(await (await get("llamacpp", "/props")).json()).toMatchObject({
      default_generation_settings: { n_ctx: 8 },
    });
    // Routes of other engines are not there: that is what makes detection unambiguous.
    expect((await get("vllm", "/get_model_info")).status).toBe(404);
    expect((await get("tei", "/props")).status).toBe(404);
    expect((await get("llamacpp", "/info")).status).toBe(404);
    expect((await get("sglang", "/info")).status).toBe(404);
  });
});
