/**
 * The edge against every engine the GPU client speaks, through workerd and the stand-in's
 * personalities (--engine): the key integration checks run once per engine, with the
 * engine detected (GPU_WORKER_ENGINES unset) behind an endpoint that is down:
 * exact vectors (float and base64, miss then hit), usage, failover and readiness, and an
 * input the engine fails on isolated as a 400 naming it. Then a mixed SGLang + vLLM pool
 * (engines declared) serves one cache: an entry computed on one engine is a hit when only
 * the other serves, on this edge and on another edge sharing the store.
 *
 * Expected vectors are the stand-in's embedder applied to the text (what the model input
 * must be for every engine: the text with end-of-text), through the float16 record
 * oracle; an engine fed the wrong input (e.g. llama.cpp given text, which its older GGUFs
 * pool without end-of-text) would serve a different vector and fail here.
 */
import { Redis } from "@upstash/redis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { embedText } from "../../gpu-worker/standin/embedder";
import type { EnginePersonality } from "../../gpu-worker/standin/personalities/personality";
import { float32FromBase64 } from "../support/served-vector";
import {
  qwen3TokenCount,
  qwen3TokenIds,
} from "../../workers/tokenizer/qwen3-tokens";
import { BRIDGE_TOKEN, type CacheStack } from "../support/cache-stack";
import { startEdge, type TestEdge } from "../support/edge";
import { servedFromFloat16Record } from "../support/served-vector";
import { startStandin, type Standin } from "../support/standin";

const MODEL = "Qwen3-Embedding-4B";
const POISON = "poison pill";
const INJECTED =
  "Injected fault: the stand-in was configured to fail on this input";
// TEI refuses more than 32 inputs per call by default (--max-client-batch-size).
const VARS = { GPU_BATCH_MAX_INPUTS: "32" };

type EmbeddingBody = {
  data: { embedding: number[] | string; index: number }[];
  usage: unknown;
};

/** Waits until the store holds `count` cache entries (write-backs are group-committed after the response). */
async function waitForCacheEntries(
  stack: CacheStack,
  count: number,
): Promise<void> {
  const redis = new Redis({ url: stack.bridge.url, token: BRIDGE_TOKEN });
  // Generous: on a loaded CI machine a flush can take seconds; a passing run returns early.
  for (let i = 0; i < 400; i++) {
    if ((await redis.keys("emb:v1:*")).length >= count) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(
    `the store never held ${count} cache entries: ${JSON.stringify(await redis.keys("*"))}`,
  );
}

const served = (text: string): Float32Array =>
  servedFromFloat16Record(embedText(text));

describe.each(["sglang", "vllm", "tei", "llamacpp"] as const)(
  "the edge against %s",
  (engine: EnginePersonality) => {
    let down: Standin;
    let up: Standin;
    let edge: TestEdge;
    const sent = async (text: string) =>
      engine === "llamacpp" ? qwen3TokenIds(text) : text;

    beforeAll(async () => {
      down = await startStandin({
        engine,
        faults: { errorRate: 1, errorStatus: 503 },
      });
      up = await startStandin({ engine });
      edge = await startEdge({ gpuUrls: [down.url, up.url], vars: VARS });
    });
    afterAll(async () => {
      await edge?.dispose();
      await Promise.all([down?.close(), up?.close()]);
    });

    it("detects the engine and serves exact vectors and usage, failing over from a down endpoint", async () => {
      const texts = ["alpha beta", "  ", "gamma delta"];
      const res = await edge.embed({ model: MODEL, input: texts });
      expect(res.status).toBe(200);
      expect(res.headers.get("x-cache")).toBe("hits=0 misses=3");
      const body = (await res.json()) as EmbeddingBody;
      const tokens = await Promise.all(texts.map(qwen3TokenCount));
      const total = tokens.reduce((a, b) => a + b, 0);
      expect(body.usage).toEqual({ prompt_tokens: total, total_tokens: total });
      body.data.forEach((item, i) => {
        expect(item.index).toBe(i);
        expect(new Float32Array(item.embedding as number[])).toEqual(
          served(texts[i]!),
        );
      });
      // Texts and the blank text (always sent as ids) go in separate calls; llama.cpp gets ids only.
      const calls = up
        .stats()
        .recent.map((c) => JSON.stringify(c.inputs))
        .sort();
      const expected = [
        JSON.stringify([await sent("alpha beta"), await sent("gamma delta")]),
        JSON.stringify([await qwen3TokenIds("  ")]),
      ].sort();
      expect(calls).toEqual(expected);
      expect(down.stats().calls).toBeGreaterThan(0);
      expect(
        edge.logs.some(
          (l) =>
            l.includes('"event":"gpu_engine_detected"') &&
            l.includes(`"engine":"${engine}"`),
        ),
      ).toBe(true);

      const again = await edge.embed({
        model: MODEL,
        input: texts,
        encoding_format: "base64",
      });
      expect(again.headers.get("x-cache")).toBe("hits=3 misses=0");
      const b64 = (await again.json()) as EmbeddingBody;
      b64.data.forEach((item, i) =>
        expect(float32FromBase64(item.embedding as string)).toEqual(
          served(texts[i]!),
        ),
      );

      const ready = await edge.fetch("/readyz");
      expect([ready.status, await ready.json()]).toEqual([
        200,
        { status: "ready", checks: { gpu_pool: true } },
      ]);
    });

    it("answers an input the engine fails on with a 400 naming it, and keeps serving others", async () => {
      up.setFaults({ failInputs: [await sent(POISON)] });
      try {
        const res = await edge.embed({
          model: MODEL,
          input: ["fine words", POISON],
        });
        expect(res.status).toBe(400);
        expect(await res.json()).toEqual({
          error: {
            message: `input[1] was rejected by the embedding model: ${INJECTED}`,
            type: "invalid_request_error",
            param: "input[1]",
            code: null,
          },
        });
        const other = await edge.embed({
          model: MODEL,
          input: ["other fine words"],
        });
        expect(other.status).toBe(200);
        const body = (await other.json()) as EmbeddingBody;
        expect(new Float32Array(body.data[0]!.embedding as number[])).toEqual(
          served("other fine words"),
        );
      } finally {
        up.setFaults({ failInputs: [] });
      }
    });
  },
);

describe("a mixed SGLang + vLLM pool", () => {
  let sglang: Standin;
  let vllm: Standin;
  let edge: TestEdge;
  let other: TestEdge | undefined;

  beforeAll(async () => {
    sglang = await startStandin({ engine: "sglang" });
    vllm = await startStandin({ engine: "vllm" });
    edge = await startEdge({
      gpuUrls: [sglang.url, vllm.url],
      vars: {
        ...VARS,
        GPU_WORKER_ENGINES: "sglang,vllm",
        CACHE_SCOPE: "global",
      },
    });
  });
  afterAll(async () => {
    await other?.dispose();
    await edge?.dispose();
    await Promise.all([sglang?.close(), vllm?.close()]);
  });

  it("serves the same cache entries whichever engine computed them", async () => {
    const first = await edge.embed({ model: MODEL, input: ["shared alpha"] });
    expect(first.headers.get("x-cache")).toBe("hits=0 misses=1");
    expect([sglang.stats().calls, vllm.stats().calls]).toEqual([1, 0]);

    sglang.setFaults({ errorRate: 1, errorStatus: 503 });
    const second = await edge.embed({
      model: MODEL,
      input: ["shared alpha", "shared beta"],
    });
    expect(second.status).toBe(200);
    expect(second.headers.get("x-cache")).toBe("hits=1 misses=1");
    expect(vllm.stats().recent.map((c) => c.inputs)).toEqual([["shared beta"]]);
    const body = (await second.json()) as EmbeddingBody;
    expect(
      body.data.map((d) => new Float32Array(d.embedding as number[])),
    ).toEqual([served("shared alpha"), served("shared beta")]);

    // Another edge (another isolate) on the same store, vLLM only: both are hits from Redis.
    await waitForCacheEntries(edge.stack, 2);
    other = await startEdge({
      gpuUrls: [vllm.url],
      stack: edge.stack,
      vars: { ...VARS, GPU_WORKER_ENGINES: "vllm", CACHE_SCOPE: "global" },
    });
    const third = await other.embed({
      model: MODEL,
      input: ["shared beta", "shared alpha"],
    });
    expect(third.headers.get("x-cache")).toBe("hits=2 misses=0");
    const thirdBody = (await third.json()) as EmbeddingBody;
    expect(
      thirdBody.data.map((d) => new Float32Array(d.embedding as number[])),
    ).toEqual([served("shared beta"), served("shared alpha")]);
    expect(vllm.stats().calls).toBe(1);
  });
});
