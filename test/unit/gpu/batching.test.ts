import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { planCalls } from "../../../workers/gpu/batching";
import { createGpuPool } from "../../../workers/gpu/pool";
import type { GpuItem } from "../../../workers/gpu/gpu-item";
import {
  expectedVector,
  startFakeSglang,
  testConfig,
  textItems,
  type FakeSglang,
} from "./fake-sglang";

const EOT = 151643;
const limits = (maxInputsPerCall: number, maxTokensPerCall: number) => ({
  maxInputsPerCall,
  maxTokensPerCall,
});
const indicesOf = (items: GpuItem[], maxInputs: number, maxTokens: number) =>
  planCalls(items, limits(maxInputs, maxTokens)).map((c) => c.indices);

describe("planCalls", () => {
  it("cuts at the input limit", () => {
    expect(
      indicesOf(textItems(["a", "b", "c", "d", "e", "f", "g"]), 3, 100),
    ).toEqual([[0, 1, 2], [3, 4, 5], [6]]);
  });

  it("fills exactly up to the token limit and no further", () => {
    const items = textItems(["a", "b", "c", "d", "e"], [4, 4, 2, 5, 6]);
    expect(planCalls(items, limits(10, 10))).toEqual([
      { indices: [0, 1, 2], tokens: 10 },
      { indices: [3], tokens: 5 },
      { indices: [4], tokens: 6 },
    ]);
  });

  it("sends an item bigger than the token limit alone", () => {
    const items = textItems(["a", "big", "b", "c"], [3, 25, 3, 3]);
    expect(indicesOf(items, 10, 10)).toEqual([[0], [1], [2, 3]]);
  });

  it("keeps text and token ids in separate calls, each in input order", () => {
    const items: GpuItem[] = [
      { input: "a", tokens: 1 },
      { input: [1, EOT], tokens: 2 },
      { input: "b", tokens: 1 },
      { input: [2, EOT], tokens: 2 },
      { input: "c", tokens: 1 },
    ];
    expect(indicesOf(items, 10, 100)).toEqual([
      [0, 2, 4],
      [1, 3],
    ]);
    // Token ids first when the request starts with them.
    expect(indicesOf([items[1]!, items[0]!], 10, 100)).toEqual([[0], [1]]);
  });

  it("plans nothing for no items", () => {
    expect(planCalls([], limits(1, 1))).toEqual([]);
  });
});

describe("sub-batching over HTTP", () => {
  let sglang: FakeSglang;
  beforeEach(async () => {
    sglang = await startFakeSglang();
  });
  afterEach(() => sglang.close());

  it("sends the exact call splits by inputs and tokens, and exact request bodies", async () => {
    const texts = ["a", "b", "c", "d", "e", "f", "g"];
    const items = textItems(texts, [4, 4, 2, 1, 9, 12, 1]);
    const pool = createGpuPool(
      testConfig([sglang.url], {
        maxInputsPerCall: 3,
        maxTokensPerCall: 10,
        maxConcurrentCalls: 1,
      }),
    );
    const result = await pool.embed(items);

    expect(sglang.embedCalls().map((r) => r.body)).toEqual([
      {
        model: "Qwen/Qwen3-Embedding-4B",
        input: ["a", "b", "c"],
        encoding_format: "base64",
      },
      {
        model: "Qwen/Qwen3-Embedding-4B",
        input: ["d", "e"],
        encoding_format: "base64",
      },
      {
        model: "Qwen/Qwen3-Embedding-4B",
        input: ["f"],
        encoding_format: "base64",
      },
      {
        model: "Qwen/Qwen3-Embedding-4B",
        input: ["g"],
        encoding_format: "base64",
      },
    ]);
    expect(result.calls).toBe(4);
    expect(result.vectors).toEqual(texts.map(expectedVector));
  });

  it("sends text and token ids in homogeneous calls and reassembles in input order", async () => {
    const items: GpuItem[] = [
      { input: "alpha", tokens: 2 },
      { input: [9707, EOT], tokens: 2 },
      { input: "beta", tokens: 2 },
      { input: [1234, 5678, EOT], tokens: 3 },
    ];
    const pool = createGpuPool(
      testConfig([sglang.url], { maxConcurrentCalls: 1 }),
    );
    const result = await pool.embed(items);

    expect(sglang.embedCalls().map((r) => r.body?.input)).toEqual([
      ["alpha", "beta"],
      [
        [9707, EOT],
        [1234, 5678, EOT],
      ],
    ]);
    expect(result.vectors).toEqual(items.map((i) => expectedVector(i.input)));
  });

  it("makes no call for no items", async () => {
    const pool = createGpuPool(testConfig([sglang.url]));
    expect(await pool.embed([])).toEqual({ vectors: [], gpuMs: 0, calls: 0 });
    expect(sglang.requests).toEqual([]);
  });
});
