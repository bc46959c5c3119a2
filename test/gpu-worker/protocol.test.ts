// The stand-in's wire format against SGLang's: whole envelopes, field order, usage
// counts, base64 bytes, token-id inputs and the error bodies, over real HTTP.
import OpenAI from "openai";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { embedText } from "../../gpu-worker/standin/embedder";
import { type Standin, startStandin } from "../../gpu-worker/standin/server";
import { qwen3TokenIds } from "../../workers/tokenizer/qwen3-tokens";
import { float32FromBase64, floatsOf, postJson } from "./http";

const MODEL = "Qwen/Qwen3-Embedding-4B";
const HELLO = "Hello, my dog is cute"; // 7 tokens with end-of-text
const FOX = "The quick brown fox"; // 5 tokens with end-of-text

let standin: Standin;
let embeddings: string;

beforeAll(async () => {
  standin = await startStandin();
  embeddings = `${standin.url}/v1/embeddings`;
});
afterAll(() => standin.close());

const usage = (n: number) => ({
  prompt_tokens: n,
  total_tokens: n,
  completion_tokens: 0,
  prompt_tokens_details: null,
  reasoning_tokens: 0,
});

describe("POST /v1/embeddings", () => {
  it("answers SGLang's envelope, in its field order, with exact usage", async () => {
    const res = await postJson(embeddings, {
      model: "whatever-the-client-says",
      input: HELLO,
    });
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("application/json");
    expect(res.headers.get("x-standin")).toBe(
      "feature-hashing; not Qwen3-Embedding-4B",
    );
    const text = await res.text();
    expect(text.startsWith('{"data":[{"embedding":[')).toBe(true);
    expect(
      text.endsWith(
        `,"index":0,"object":"embedding"}],"model":"${MODEL}","object":"list","usage":` +
          '{"prompt_tokens":7,"total_tokens":7,"completion_tokens":0,"prompt_tokens_details":null,"reasoning_tokens":0}}',
      ),
    ).toBe(true);
    const body = JSON.parse(text);
    expect(body).toEqual({
      data: [
        {
          embedding: Array.from(embedText(HELLO)),
          index: 0,
          object: "embedding",
        },
      ],
      model: MODEL,
      object: "list",
      usage: usage(7),
    });
  });

  it("sums usage over a batch and keeps input order", async () => {
    const res = await postJson(embeddings, {
      model: MODEL,
      input: [HELLO, FOX, HELLO],
    });
    const body = await res.json();
    expect(body.usage).toEqual(usage(19));
    expect(body.data.map((d: { index: number }) => d.index)).toEqual([0, 1, 2]);
    expect(body.data[1].embedding).toEqual(Array.from(embedText(FOX)));
    expect(body.data[2].embedding).toEqual(body.data[0].embedding);
  });

  it("sends base64 as the exact little-endian float32 bytes of the float answer", async () => {
    const floats = await floatsOf(
      await postJson(embeddings, { model: MODEL, input: FOX }),
    );
    const res = await postJson(embeddings, {
      model: MODEL,
      input: FOX,
      encoding_format: "base64",
    });
    const body = await res.json();
    expect(typeof body.data[0].embedding).toBe("string");
    expect(Buffer.from(body.data[0].embedding, "base64").byteLength).toBe(
      2560 * 4,
    );
    expect(Array.from(float32FromBase64(body.data[0].embedding))).toEqual(
      floats,
    );
    expect(body.usage).toEqual(usage(5));
  });

  it("embeds token ids exactly like their text and counts them as given", async () => {
    const hello = await qwen3TokenIds(HELLO);
    const fox = await qwen3TokenIds(FOX);
    const single = await (
      await postJson(embeddings, { model: MODEL, input: hello })
    ).json();
    expect(single.data[0].embedding).toEqual(Array.from(embedText(HELLO)));
    expect(single.usage).toEqual(usage(7));

    const batch = await (
      await postJson(embeddings, { model: MODEL, input: [fox, hello] })
    ).json();
    expect(batch.data[0].embedding).toEqual(Array.from(embedText(FOX)));
    expect(batch.data[1].embedding).toEqual(Array.from(embedText(HELLO)));
    expect(batch.usage).toEqual(usage(12));
  });

  it("embeds end-of-text alone ([151643], the empty text's ids) as one token with a unit vector", async () => {
    const res = await postJson(embeddings, { model: MODEL, input: [[151643]] });
    expect(res.status).toBe(200);
    const body = await res.json();
    expect(body.usage).toEqual(usage(1));
    expect(body.data).toHaveLength(1);
    expect(body.data[0].embedding).toEqual(Array.from(embedText("")));
    const norm = Math.hypot(...(body.data[0].embedding as number[]));
    expect(Math.abs(norm - 1)).toBeLessThan(1e-6);
  });

  it("gives ids without the end-of-text token a different vector, counting only what was sent", async () => {
    const ids = (await qwen3TokenIds(HELLO)).slice(0, -1);
    const body = await (
      await postJson(embeddings, { model: MODEL, input: ids })
    ).json();
    expect(body.usage).toEqual(usage(6));
    expect(body.data[0].embedding).toHaveLength(2560);
    expect(body.data[0].embedding).not.toEqual(Array.from(embedText(HELLO)));
  });

  it("works with the official openai client (which asks for base64 and decodes it)", async () => {
    const client = new OpenAI({
      baseURL: `${standin.url}/v1`,
      apiKey: "unused",
    });
    const res = await client.embeddings.create({
      model: MODEL,
      input: [HELLO, FOX],
    });
    expect(res.model).toBe(MODEL);
    expect(res.usage).toEqual(usage(12));
    expect(res.data[0]!.embedding).toEqual(Array.from(embedText(HELLO)));
    expect(res.data[1]!.embedding).toEqual(Array.from(embedText(FOX)));
  });
});

describe("request errors", () => {
  const error = (message: string, type = "BadRequestError", code = 400) => ({
    object: "error",
    message,
    type,
    param: null,
    code,
  });

  it("refuses bad JSON as a 400 'Bad Request' in SGLang's error shape", async () => {
    const res = await postJson(embeddings, '{"input": "unterminated');
    expect(res.status).toBe(400);
    expect(res.headers.get("x-standin")).toBe(
      "feature-hashing; not Qwen3-Embedding-4B",
    );
    const body = await res.json();
    expect(Object.keys(body)).toEqual([
      "object",
      "message",
      "type",
      "param",
      "code",
    ]);
    expect(body).toEqual(error(body.message, "Bad Request"));
    expect(body.message).toMatch(/^JSON decode error: /);
  });

  it("refuses a body that is not JSON by content-type, as SGLang's validate_json_request does", async () => {
    const res = await fetch(embeddings, {
      method: "POST",
      headers: { "content-type": "text/plain" },
      body: "{}",
    });
    expect(res.status).toBe(400);
    expect(await res.json()).toEqual(
      error(
        "Unsupported Media Type: Only 'application/json' is allowed",
        "Bad Request",
      ),
    );
  });

  it.each([
    [{ model: MODEL }, "body.input: Field required"],
    [
      { input: 5 },
      "body.input: Input should be a string, a list of strings, a list of token ids or a list of token-id lists",
    ],
    [
      { input: ["a", 1] },
      "body.input: Input should be a string, a list of strings, a list of token ids or a list of token-id lists",
    ],
    [
      { input: "a", encoding_format: "int8" },
      "body.encoding_format: Input should be 'float' or 'base64'",
    ],
    [
      { input: "a", dimensions: 0 },
      "body.dimensions: Input should be a positive integer",
    ],
    [[1, 2], "body: Input should be a valid dictionary or object"],
  ])("refuses a malformed body %j", async (payload, message) => {
    const res = await postJson(embeddings, payload);
    expect(res.status).toBe(400);
    expect(await res.json()).toEqual(error(message, "Bad Request"));
  });

  it.each([
    ["", "Input cannot be empty"],
    [[], "Input cannot be empty"],
    ["  \n", "Input cannot be empty or whitespace only"],
    [["fine", " "], "Input at index 1 cannot be empty or whitespace only"],
    // Python's str.strip() set, not JavaScript's trim(): U+001C and U+0085 are whitespace to SGLang.
    ["\u001c\u0085\u00a0", "Input cannot be empty or whitespace only"],
    [[5, -2], "Token ID at index 1 must be non-negative"],
    [[[5], []], "Input at index 1 cannot be empty"],
    [[[5], [7, -1]], "Input at index 1 contains negative token IDs"],
  ])("refuses input %j with SGLang's message", async (input, message) => {
    const res = await postJson(embeddings, { model: MODEL, input });
    expect(res.status).toBe(400);
    expect(await res.json()).toEqual(error(message));
  });

  it("embeds U+FEFF as text: Python's str.strip() keeps it, so SGLang does not refuse it", async () => {
    const res = await postJson(embeddings, { model: MODEL, input: "\ufeff" });
    expect(res.status).toBe(200);
  });

  it("refuses bodies over maxBodyBytes with 413", async () => {
    const tiny = await startStandin({ maxBodyBytes: 64 });
    try {
      const res = await postJson(`${tiny.url}/v1/embeddings`, {
        input: "x".repeat(100),
      });
      expect(res.status).toBe(413);
      expect(await res.json()).toEqual(
        error("request body too large", "Payload Too Large", 413),
      );
      expect(
        (await postJson(`${tiny.url}/v1/embeddings`, { input: "short" }))
          .status,
      ).toBe(200);
    } finally {
      await tiny.close();
    }
  });

  it("answers unknown routes 404 and wrong methods 405, as FastAPI does", async () => {
    const missing = await fetch(`${standin.url}/v1/chat/completions`);
    expect(missing.status).toBe(404);
    expect(await missing.json()).toEqual({ detail: "Not Found" });
    const wrongMethod = await fetch(embeddings);
    expect(wrongMethod.status).toBe(405);
    expect(await wrongMethod.json()).toEqual({ detail: "Method Not Allowed" });
  });
});

describe("context length", () => {
  let small: Standin;
  beforeAll(async () => {
    small = await startStandin({ contextLength: 8 });
  });
  afterAll(() => small.close());

  it("accepts inputs below the context length and refuses those that reach it (SGLang's >=)", async () => {
    const ok = await postJson(`${small.url}/v1/embeddings`, { input: HELLO });
    expect(ok.status).toBe(200);

    const eight = "Hello, my dog is very cute";
    expect(await qwen3TokenIds(eight)).toHaveLength(8);
    const expected = {
      object: "error",
      message:
        "The input (8 tokens) is longer than the model's context length (8 tokens).",
      type: "BadRequestError",
      param: null,
      code: 400,
    };
    const text = await postJson(`${small.url}/v1/embeddings`, {
      input: [HELLO, eight],
    });
    expect(text.status).toBe(400);
    expect(await text.json()).toEqual(expected);

    const ids = await postJson(`${small.url}/v1/embeddings`, {
      input: await qwen3TokenIds(eight),
    });
    expect(ids.status).toBe(400);
    expect(await ids.json()).toEqual(expected);
  });
});

describe("model and health routes", () => {
  it("GET /health is 200 with an empty body", async () => {
    const res = await fetch(`${standin.url}/health`);
    expect(res.status).toBe(200);
    expect(await res.text()).toBe("");
    expect((await fetch(`${standin.url}/health_generate`)).status).toBe(200);
  });

  it("GET /v1/models lists the served model as SGLang's ModelCard", async () => {
    const before = Math.floor(Date.now() / 1000);
    const body = await (await fetch(`${standin.url}/v1/models`)).json();
    expect(body).toEqual({
      object: "list",
      data: [
        {
          id: MODEL,
          object: "model",
          created: body.data[0].created,
          owned_by: "sglang",
          root: MODEL,
          parent: null,
          max_model_len: 32768,
        },
      ],
    });
    expect(body.data[0].created).toBeGreaterThanOrEqual(before);
  });

  it("GET /v1/models/{id} finds the model and 404s others", async () => {
    const found = await fetch(`${standin.url}/v1/models/${MODEL}`);
    expect(found.status).toBe(200);
    expect((await found.json()).id).toBe(MODEL);
    const missing = await fetch(`${standin.url}/v1/models/other`);
    expect(missing.status).toBe(404);
    expect(await missing.json()).toEqual({
      error: {
        message: "The model 'other' does not exist",
        type: "invalid_request_error",
        param: "model",
        code: "model_not_found",
      },
    });
  });

  it("GET /get_model_info says it is an embedding model", async () => {
    expect(await (await fetch(`${standin.url}/get_model_info`)).json()).toEqual(
      {
        model_path: MODEL,
        tokenizer_path: MODEL,
        is_generation: false,
        preferred_sampling_params: null,
        weight_version: "default",
      },
    );
  });

  it("reports a configured model path everywhere", async () => {
    const other = await startStandin({
      modelPath: "/models/qwen3-4b",
      servedModelName: "qwen3",
    });
    try {
      const emb = await (
        await postJson(`${other.url}/v1/embeddings`, { input: FOX })
      ).json();
      expect(emb.model).toBe("/models/qwen3-4b");
      const models = await (await fetch(`${other.url}/v1/models`)).json();
      expect(models.data[0].id).toBe("qwen3");
      expect(
        (await (await fetch(`${other.url}/get_model_info`)).json()).model_path,
      ).toBe("/models/qwen3-4b");
    } finally {
      await other.close();
    }
  });
});
