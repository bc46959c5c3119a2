// Fault injection and the control API: injected errors with their exact bodies and
// Retry-After, malformed vectors in both encodings, the seeded generator, and stats.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { DEFAULT_FAULTS } from "../../gpu-worker/standin/faults";
import { type Standin, startStandin } from "../../gpu-worker/standin/server";
import { qwen3TokenIds } from "../../workers/tokenizer/qwen3-tokens";
import { float32FromBase64, postJson } from "./http";

let standin: Standin;
let embeddings: string;
const setFaults = (patch: unknown) =>
  postJson(`${standin.url}/__standin/faults`, patch);

beforeAll(async () => {
  standin = await startStandin();
  embeddings = `${standin.url}/v1/embeddings`;
});
afterAll(() => standin.close());
beforeEach(async () => {
  expect((await setFaults(DEFAULT_FAULTS)).status).toBe(200);
  expect(
    (await postJson(`${standin.url}/__standin/stats/reset`, "")).status,
  ).toBe(200);
});

describe("injected errors", () => {
  it("fails every call at error rate 1 with the configured status in SGLang's error shape", async () => {
    const applied = await (await setFaults({ errorRate: 1 })).json();
    expect(applied).toEqual({ ...DEFAULT_FAULTS, errorRate: 1 });
    for (let i = 0; i < 3; i++) {
      const res = await postJson(embeddings, { input: "hello" });
      expect(res.status).toBe(503);
      expect(res.headers.get("retry-after")).toBeNull();
      expect(await res.json()).toEqual({
        object: "error",
        message:
          "Injected fault: the stand-in was configured to answer this call with 503",
        type: "ServiceUnavailableError",
        param: null,
        code: 503,
      });
    }
  });

  it("adds Retry-After to 503 and 429 only", async () => {
    await setFaults({ errorRate: 1, retryAfterS: 7 });
    expect(
      (await postJson(embeddings, { input: "hello" })).headers.get(
        "retry-after",
      ),
    ).toBe("7");
    await setFaults({ errorStatus: 429 });
    const limited = await postJson(embeddings, { input: "hello" });
    expect(limited.status).toBe(429);
    expect(limited.headers.get("retry-after")).toBe("7");
    expect((await limited.json()).type).toBe("TooManyRequestsError");
    await setFaults({ errorStatus: 500 });
    const broken = await postJson(embeddings, { input: "hello" });
    expect(broken.status).toBe(500);
    expect(broken.headers.get("retry-after")).toBeNull();
    expect((await broken.json()).type).toBe("InternalServerError");
  });

  it("takes faults as a start option too", async () => {
    const failing = await startStandin({
      faults: { errorRate: 1, errorStatus: 429, retryAfterS: 2 },
    });
    try {
      const res = await postJson(`${failing.url}/v1/embeddings`, {
        input: "hello",
      });
      expect(res.status).toBe(429);
      expect(res.headers.get("retry-after")).toBe("2");
    } finally {
      await failing.close();
    }
  });

  it("fails a reproducible subset of calls for a given seed", async () => {
    const pattern = async (): Promise<number[]> => {
      await setFaults({ errorRate: 0.5, seed: 42 });
      const statuses: number[] = [];
      for (let i = 0; i < 16; i++)
        statuses.push((await postJson(embeddings, { input: "hi" })).status);
      return statuses;
    };
    const first = await pattern();
    expect(await pattern()).toEqual(first);
    const failed = first.filter((s) => s === 503).length;
    expect(failed).toBeGreaterThan(0);
    expect(failed).toBeLessThan(16);
    expect(first.every((s) => s === 200 || s === 503)).toBe(true);
  });

  it("delays calls by delayMs", async () => {
    await setFaults({ delayMs: 120 });
    const started = performance.now();
    expect((await postJson(embeddings, { input: "hello" })).status).toBe(200);
    expect(performance.now() - started).toBeGreaterThanOrEqual(120);
  });
});

describe("failing inputs", () => {
  const FAILED = {
    object: "error",
    message:
      "Injected fault: the stand-in was configured to fail on this input",
    type: "InternalServerError",
    param: null,
    code: 500,
  };

  it("fails every call holding a listed text or token-id list with 500, and no other call", async () => {
    expect(
      (await setFaults({ failInputs: ["poison", [7, 151643]] })).status,
    ).toBe(200);
    for (const input of [
      ["fine", "poison"],
      "poison",
      [
        [1, 151643],
        [7, 151643],
      ],
    ]) {
      const res = await postJson(embeddings, { input });
      expect(res.status).toBe(500);
      expect(res.headers.get("retry-after")).toBeNull();
      expect(await res.json()).toEqual(FAILED);
    }
    // Same characters in the other kind, or a list that only contains the ids: no match.
    for (const input of [
      ["fine", "poison pill"],
      [[7]],
      [[7, 151643, 151643]],
    ]) {
      expect((await postJson(embeddings, { input })).status).toBe(200);
    }
    expect(standin.stats().calls).toBe(6);
  });

  it("uses failInputStatus, e.g. 400 as SGLang answers a ValueError", async () => {
    await setFaults({ failInputs: ["poison"], failInputStatus: 400 });
    const res = await postJson(embeddings, { input: ["poison"] });
    expect(res.status).toBe(400);
    expect(await res.json()).toEqual({
      ...FAILED,
      type: "BadRequestError",
      code: 400,
    });
  });
});

describe("malformed vectors", () => {
  it("wrong-length: 2559 values in float and 2559 float32s in base64", async () => {
    await setFaults({ malformed: "wrong-length" });
    const floats = await (
      await postJson(embeddings, { input: ["a b", "c d"] })
    ).json();
    expect(
      floats.data.map((d: { embedding: number[] }) => d.embedding.length),
    ).toEqual([2559, 2559]);
    const b64 = await (
      await postJson(embeddings, { input: "a b", encoding_format: "base64" })
    ).json();
    expect(Buffer.from(b64.data[0].embedding, "base64").byteLength).toBe(
      2559 * 4,
    );
  });

  it("nan: literal NaN in float mode (unparsable JSON), NaN bytes in base64", async () => {
    await setFaults({ malformed: "nan" });
    const res = await postJson(embeddings, { input: "hello world" });
    expect(res.status).toBe(200);
    const text = await res.text();
    expect(text.startsWith('{"data":[{"embedding":[NaN,NaN,NaN,')).toBe(true);
    expect(() => JSON.parse(text)).toThrow(SyntaxError);
    const b64 = await (
      await postJson(embeddings, {
        input: "hello world",
        encoding_format: "base64",
      })
    ).json();
    const values = float32FromBase64(b64.data[0].embedding);
    expect(values.length).toBe(2560);
    expect(values.every(Number.isNaN)).toBe(true);
  });

  it("null: what SGLang's orjson really sends for NaN", async () => {
    await setFaults({ malformed: "null" });
    const body = await (
      await postJson(embeddings, { input: "hello world" })
    ).json();
    expect(body.data[0].embedding).toHaveLength(2560);
    expect(body.data[0].embedding.every((v: unknown) => v === null)).toBe(true);
    expect(body.usage.prompt_tokens).toBe(3);
  });

  it("malforms each vector with malformedRate, reproducibly for a seed", async () => {
    const lengths = async (): Promise<number[]> => {
      await setFaults({
        malformed: "wrong-length",
        malformedRate: 0.5,
        seed: 7,
      });
      const input = Array.from({ length: 16 }, (_, i) => `text ${i}`);
      const body = await (await postJson(embeddings, { input })).json();
      return body.data.map((d: { embedding: number[] }) => d.embedding.length);
    };
    const first = await lengths();
    expect(await lengths()).toEqual(first);
    expect(first.filter((n) => n === 2559).length).toBeGreaterThan(0);
    expect(first.filter((n) => n === 2560).length).toBeGreaterThan(0);
  });
});

describe("control API", () => {
  it("rejects invalid fault patches and leaves settings unchanged", async () => {
    for (const patch of [
      { errorRate: 2 },
      { bogus: 1 },
      { malformed: "zeros" },
      { errorStatus: 200 },
    ]) {
      const res = await setFaults(patch);
      expect(res.status).toBe(400);
      const body = await res.json();
      expect(body.object).toBe("error");
      expect(body.message).toMatch(/^invalid fault patch: /);
    }
    expect((await setFaults("{not json")).status).toBe(400);
    expect(
      await (await fetch(`${standin.url}/__standin/faults`)).json(),
    ).toEqual(DEFAULT_FAULTS);
  });

  it("is mirrored on the handle", () => {
    expect(standin.setFaults({ delayMs: 5 })).toEqual({
      ...DEFAULT_FAULTS,
      delayMs: 5,
    });
    expect(standin.faults().delayMs).toBe(5);
    expect(() => standin.setFaults({ errorRate: -1 })).toThrow();
  });

  it("records calls, inputs as received, lanes and tokens; reset zeroes them", async () => {
    const ids = await qwen3TokenIds("The quick brown fox");
    await postJson(
      embeddings,
      { input: ["Hello, my dog is cute", "The quick brown fox"] },
      { "x-lane": "interactive" },
    );
    await postJson(embeddings, { input: ids }, { "x-lane": "bulk" });
    await postJson(embeddings, { input: [ids, ids] });
    await postJson(embeddings, "{broken");
    const stats = await (await fetch(`${standin.url}/__standin/stats`)).json();
    expect(stats).toEqual({
      calls: 4,
      inFlight: 0,
      maxInFlight: 1,
      inputs: 5,
      tokens: 7 + 5 + 5 + 10,
      recent: [
        {
          inputs: ["Hello, my dog is cute", "The quick brown fox"],
          lane: "interactive",
        },
        { inputs: [ids], lane: "bulk" },
        { inputs: [ids, ids], lane: null },
      ],
      lanes: {
        interactive: { calls: 1, inFlight: 0, maxInFlight: 1 },
        bulk: { calls: 1, inFlight: 0, maxInFlight: 1 },
        none: { calls: 2, inFlight: 0, maxInFlight: 1 },
      },
    });
    expect(standin.stats()).toEqual(stats);
    const reset = await (
      await postJson(`${standin.url}/__standin/stats/reset`, "")
    ).json();
    const zero = { calls: 0, inFlight: 0, maxInFlight: 0 };
    expect(reset).toEqual({
      calls: 0,
      inFlight: 0,
      maxInFlight: 0,
      inputs: 0,
      tokens: 0,
      recent: [],
      lanes: { interactive: zero, bulk: zero, none: zero },
    });
  });

  it("counts concurrent calls in inFlight and maxInFlight", async () => {
    await setFaults({ delayMs: 400 });
    const calls = Array.from({ length: 4 }, (_, i) =>
      postJson(embeddings, { input: `call ${i}` }),
    );
    await new Promise((r) => setTimeout(r, 150));
    const during = await (await fetch(`${standin.url}/__standin/stats`)).json();
    expect(during.inFlight).toBe(4);
    expect((await Promise.all(calls)).map((r) => r.status)).toEqual([
      200, 200, 200, 200,
    ]);
    const after = standin.stats();
    expect(after.inFlight).toBe(0);
    expect(after.maxInFlight).toBe(4);
    expect(after.calls).toBe(4);
    expect(after.lanes.none).toEqual({ calls: 4, inFlight: 0, maxInFlight: 4 });
  });
});
