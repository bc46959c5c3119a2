/**
 * The input contract through workerd against the CPU stand-in over HTTP: whitespace-only
 * texts are embedded (sent as token ids, since SGLang's text path refuses them), one
 * per-input limit derived from the GPU's context length with one error shape, and the
 * instruction rules. Expected vectors come from asking the stand-in directly; expected
 * token ids are fixtures from Qwen3's vocabulary; expected cache keys are computed here
 * with node:crypto from the documented key layout.
 */
import { createHash } from "node:crypto";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { Redis } from "@upstash/redis";
import { startEdge, type TestEdge } from "../support/edge";
import { startStandin, type Standin } from "../support/standin";
import { BRIDGE_TOKEN } from "../support/cache-stack";
import { servedFromFloat16Record } from "../support/served-vector";

const MODEL = "Qwen3-Embedding-4B";
const END_OF_TEXT = 151643;
/** Qwen3 vocabulary: "Hello" is one token. */
const HELLO = 9707;

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

/** The stand-in's own answer for one token-id input, asked over HTTP. */
async function standinCall(
  url: string,
  ids: number[],
): Promise<{ status: number; body: unknown }> {
  const res = await fetch(`${url}/v1/embeddings`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({
      model: "Qwen/Qwen3-Embedding-4B",
      input: [ids],
      encoding_format: "base64",
    }),
  });
  return { status: res.status, body: await res.json() };
}

/** What the edge serves for these ids: the stand-in's vector as the float16 cache record holds it, renormalised, as base64. */
async function servedBase64(url: string, ids: number[]): Promise<string> {
  const { status, body } = await standinCall(url, ids);
  expect(status).toBe(200);
  const bytes = Buffer.from(
    (body as { data: { embedding: string }[] }).data[0]!.embedding,
    "base64",
  );
  const vector = new Float32Array(
    bytes.buffer,
    bytes.byteOffset,
    bytes.length / 4,
  );
  const served = servedFromFloat16Record(vector);
  return Buffer.from(
    served.buffer,
    served.byteOffset,
    served.byteLength,
  ).toString("base64");
}

const success = (embeddings: string[], tokens: number) => ({
  object: "list",
  data: embeddings.map((embedding, index) => ({
    object: "embedding",
    index,
    embedding,
  })),
  model: MODEL,
  usage: { prompt_tokens: tokens, total_tokens: tokens },
});

const invalid = (
  message: string,
  param: string | null,
  code: string | null = null,
) => ({
  error: { message, type: "invalid_request_error", param, code },
});

const tooLong = (index: number, tokens: number, max: number) =>
  invalid(
    `Input [${index}] has ${tokens} tokens, more than the maximum of ${max} tokens per input (end-of-text included).`,
    `input[${index}]`,
    "context_length_exceeded",
  );

/** emb:v1:tenant:{id}:{b64url(sha256(revision ‖ 0x00 ‖ 0x02 ‖ utf8(text)))}, the documented layout for a text. */
function textCacheKey(tenantId: string, text: string): string {
  const message = Buffer.concat([
    Buffer.from("Qwen/Qwen3-Embedding-4B@main"),
    Buffer.from([0x00, 0x02]),
    Buffer.from(text, "utf8"),
  ]);
  return `emb:v1:tenant:${tenantId}:${createHash("sha256").update(message).digest("base64url")}`;
}

describe("whitespace-only inputs", () => {
  // Token ids from Qwen3's vocabulary: "Ġ" (space), "ĊĊ", "ĉ" (tab), "Âł" (U+00A0's UTF-8 bytes).
  const examples: [string, string, number][] = [
    ["a space", " ", 220],
    ["two newlines", "\n\n", 271],
    ["a tab", "\t", 197],
    ["U+00A0", "\u00a0", 4102],
  ];

  it.each(examples)(
    "embeds %s as its token ids plus end-of-text, keyed by its text; the second request is a hit",
    async (_name, text, id) => {
      const expected = success(
        [await servedBase64(standin.url, [id, END_OF_TEXT])],
        2,
      );
      standin.resetStats();

      const first = await edge.embed({
        model: MODEL,
        input: text,
        encoding_format: "base64",
      });
      expect(first.status).toBe(200);
      expect(await first.json()).toEqual(expected);
      expect(first.headers.get("x-cache")).toBe("hits=0 misses=1");
      expect(standin.stats().recent.map((r) => r.inputs)).toEqual([
        [[id, END_OF_TEXT]],
      ]);

      const second = await edge.embed({
        model: MODEL,
        input: [text],
        encoding_format: "base64",
      });
      expect(second.status).toBe(200);
      expect(await second.json()).toEqual(expected);
      expect(second.headers.get("x-cache")).toBe("hits=1 misses=0");
      expect(standin.stats().calls).toBe(1);

      // The stored key is the text's (as for any text input), not the ids'.
      const redis = new Redis({
        url: edge.stack.bridge.url,
        token: BRIDGE_TOKEN,
      });
      const key = textCacheKey(edge.tenant.tenantId, text);
      for (let i = 0; i < 100 && (await redis.exists(key)) === 0; i++)
        await new Promise((r) => setTimeout(r, 50));
      expect(await redis.exists(key)).toBe(1);
    },
  );

  it("sends blank texts as ids and the others as text in one request, with exact usage", async () => {
    // no-cache: computed again even though earlier tests cached " " and "\t".
    const res = await edge.embed(
      {
        model: MODEL,
        input: ["Hello", " ", "\t", " "],
        encoding_format: "base64",
      },
      { "cache-control": "no-cache" },
    );
    expect(res.status).toBe(200);
    const hello = await servedBase64(standin.url, [HELLO, END_OF_TEXT]);
    const space = await servedBase64(standin.url, [220, END_OF_TEXT]);
    const tab = await servedBase64(standin.url, [197, END_OF_TEXT]);
    expect(await res.json()).toEqual(success([hello, space, tab, space], 8));
    const received = standin.stats().recent.map((r) => r.inputs);
    expect(
      received.filter(
        (inputs) => inputs.length > 0 && typeof inputs[0] === "string",
      ),
    ).toEqual([["Hello"]]);
    expect(received).toContainEqual([
      [220, END_OF_TEXT],
      [197, END_OF_TEXT],
    ]);
  });

  it("sends a whitespace-only query as text: with its instruction it is not blank", async () => {
    const res = await edge.embed({
      model: MODEL,
      input: " ",
      input_type: "query",
      instruction: "Find",
    });
    expect(res.status).toBe(200);
    expect(standin.stats().recent.map((r) => r.inputs)).toEqual([
      ["Instruct: Find\nQuery: "],
    ]);
  });

  it("still refuses the empty string, naming it", async () => {
    const res = await edge.embed({ model: MODEL, input: [" ", ""] });
    expect(res.status).toBe(400);
    expect(await res.json()).toEqual(
      invalid("Input [1] cannot be an empty string.", "input[1]"),
    );
    expect(standin.stats().calls).toBe(0);
  });
});

describe("context length", () => {
  it("the stand-in refuses an input that reaches its context length, as SGLang does", async () => {
    expect(
      (
        await standinCall(standin.url, [
          ...Array<number>(32_766).fill(HELLO),
          END_OF_TEXT,
        ])
      ).status,
    ).toBe(200);
    expect(
      await standinCall(standin.url, [
        ...Array<number>(32_767).fill(HELLO),
        END_OF_TEXT,
      ]),
    ).toEqual({
      status: 400,
      body: {
        object: "error",
        message:
          "The input (32768 tokens) is longer than the model's context length (32768 tokens).",
        type: "BadRequestError",
        param: null,
        code: 400,
      },
    });
  });

  it("passes 32,767 tokens (end-of-text included) end to end and refuses 32,768 at the edge", async () => {
    const ids = Array<number>(32_766).fill(HELLO);
    const ok = await edge.embed({
      model: MODEL,
      input: ids,
      encoding_format: "base64",
    });
    expect(ok.status).toBe(200);
    expect(await ok.json()).toEqual(
      success([await servedBase64(standin.url, [...ids, END_OF_TEXT])], 32_767),
    );

    standin.resetStats();
    const overLong: [unknown, number][] = [
      [[...ids, HELLO], 0],
      [[...ids, HELLO, END_OF_TEXT], 0],
      [[[HELLO], [...ids, HELLO]], 1],
    ];
    for (const [input, index] of overLong) {
      const refused = await edge.embed({ model: MODEL, input });
      expect(refused.status).toBe(400);
      expect(await refused.json()).toEqual(tooLong(index, 32_768, 32_767));
    }
    expect(standin.stats().calls).toBe(0);
  });

  it("counts texts exactly: 32,767 tokens pass, 32,768 are refused", async () => {
    // Each "hello " after the first is one token (" hello"), the trailing space one more, then end-of-text.
    const ok = await edge.embed({
      model: MODEL,
      input: "hello ".repeat(32_765),
    });
    expect(ok.status).toBe(200);
    expect(((await ok.json()) as { usage: unknown }).usage).toEqual({
      prompt_tokens: 32_767,
      total_tokens: 32_767,
    });
    const refused = await edge.embed({
      model: MODEL,
      input: "hello ".repeat(32_766),
    });
    expect(refused.status).toBe(400);
    expect(await refused.json()).toEqual(tooLong(0, 32_768, 32_767));
  });

  it("names the first over-long input when several are", async () => {
    standin.resetStats();
    const input = [
      "short",
      "fine",
      "hello ".repeat(32_766),
      "ok",
      "hello ".repeat(40_000),
    ];
    const res = await edge.embed({ model: MODEL, input });
    expect(res.status).toBe(400);
    expect(await res.json()).toEqual(tooLong(2, 32_768, 32_767));
    const ids = await edge.embed({
      model: MODEL,
      input: [
        [HELLO],
        Array<number>(40_000).fill(HELLO),
        Array<number>(32_767).fill(HELLO),
      ],
    });
    expect(ids.status).toBe(400);
    expect(await ids.json()).toEqual(tooLong(1, 40_001, 32_767));
    expect(standin.stats().calls).toBe(0);
  });

  it("derives the limit from GPU_CONTEXT_LENGTH", async () => {
    const small = await startStandin({ contextLength: 512 });
    const smallEdge = await startEdge({
      gpuUrls: [small.url],
      stack: edge.stack,
      vars: { GPU_CONTEXT_LENGTH: "512" },
    });
    try {
      const ok = await smallEdge.embed({
        model: MODEL,
        input: Array<number>(510).fill(HELLO),
        encoding_format: "base64",
      });
      expect(ok.status).toBe(200);
      expect(await ok.json()).toEqual(
        success(
          [
            await servedBase64(small.url, [
              ...Array<number>(510).fill(HELLO),
              END_OF_TEXT,
            ]),
          ],
          511,
        ),
      );
      small.resetStats();
      const refused = await smallEdge.embed({
        model: MODEL,
        input: ["a", "hello ".repeat(510)],
      });
      expect(refused.status).toBe(400);
      expect(await refused.json()).toEqual(tooLong(1, 512, 511));
      expect(small.stats().calls).toBe(0);
    } finally {
      await smallEdge.dispose();
      await small.close();
    }
  });
});

describe("instruction", () => {
  it("refuses an instruction with input_type document, naming instruction", async () => {
    const res = await edge.embed({
      model: MODEL,
      input: "text",
      input_type: "document",
      instruction: "Find code",
    });
    expect(res.status).toBe(400);
    expect(await res.json()).toEqual(
      invalid(
        "'instruction' applies only to queries; it cannot be used with input_type 'document'.",
        "instruction",
      ),
    );
    expect(standin.stats().calls).toBe(0);
  });

  it("refuses a whitespace-only instruction", async () => {
    for (const instruction of ["  ", "\n\t"]) {
      const res = await edge.embed({
        model: MODEL,
        input: "text",
        instruction,
      });
      expect(res.status).toBe(400);
      expect(await res.json()).toEqual(
        invalid("'instruction' cannot be only whitespace.", "instruction"),
      );
    }
    expect(standin.stats().calls).toBe(0);
  });
});
