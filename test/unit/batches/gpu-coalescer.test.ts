/** coalescingGpu: lines' GPU items joined into shared calls, split back in order, failures kept to their line. */
import { describe, expect, it } from "vitest";
import { ApiError, invalidRequest } from "../../../workers/errors/api-error";
import { coalescingGpu } from "../../../workers/batches/gpu-coalescer";
import type { GpuItem } from "../../../workers/gpu/gpu-item";

const item = (text: string, tokens: number): GpuItem => ({
  input: text,
  tokens,
});
/** A fake GPU: one-element vectors holding each input's length; `bad` inputs are refused with a 400. */
function fakeGpu(
  options: { bad?: string; down?: boolean; gpuMs?: number } = {},
) {
  const calls: string[][] = [];
  const embed = async (items: GpuItem[]) => {
    calls.push(items.map((i) => String(i.input)));
    await new Promise((r) => setTimeout(r, 5));
    if (options.down) throw new ApiError("gpu_unavailable", "down");
    if (items.some((i) => i.input === options.bad))
      throw invalidRequest(
        "An input was rejected by the embedding model.",
        "input",
      );
    return {
      vectors: items.map((i) => new Float32Array([String(i.input).length])),
      gpuMs: options.gpuMs ?? 0,
    };
  };
  return { calls, embed };
}

describe("coalescingGpu", () => {
  it("joins lines that arrive together into one call and shares GPU time by tokens", async () => {
    const gpu = fakeGpu({ gpuMs: 100 });
    const embed = coalescingGpu(gpu.embed);
    const [a, b] = await Promise.all([
      embed([item("a", 10), item("bb", 10)]),
      embed([item("ccc", 30)]),
    ]);
    expect(gpu.calls).toEqual([["a", "bb", "ccc"]]);
    expect(a).toEqual({
      vectors: [new Float32Array([1]), new Float32Array([2])],
      gpuMs: 40,
    });
    expect(b).toEqual({ vectors: [new Float32Array([3])], gpuMs: 60 });
  });

  it("sends what arrives during a call in the next one", async () => {
    const gpu = fakeGpu();
    const embed = coalescingGpu(gpu.embed);
    const first = embed([item("a", 1)]);
    await new Promise((r) => setTimeout(r, 1)); // the first call is in flight now
    const later = Promise.all([embed([item("b", 1)]), embed([item("c", 1)])]);
    await Promise.all([first, later]);
    expect(gpu.calls).toEqual([["a"], ["b", "c"]]);
  });

  it("retries a refused joined call line by line, so only the line at fault fails", async () => {
    const gpu = fakeGpu({ bad: "poison" });
    const embed = coalescingGpu(gpu.embed);
    const results = await Promise.allSettled([
      embed([item("ok", 1)]),
      embed([item("poison", 1)]),
      embed([item("fine", 1)]),
    ]);
    expect(results.map((r) => r.status)).toEqual([
      "fulfilled",
      "rejected",
      "fulfilled",
    ]);
    expect((results[1] as PromiseRejectedResult).reason).toMatchObject({
      status: 400,
      body: { param: "input" },
    });
    expect(gpu.calls).toEqual([
      ["ok", "poison", "fine"],
      ["ok"],
      ["poison"],
      ["fine"],
    ]);
  });

  it("fails every waiting line on a 5xx, without retrying line by line", async () => {
    const gpu = fakeGpu({ down: true });
    const embed = coalescingGpu(gpu.embed);
    const results = await Promise.allSettled([
      embed([item("a", 1)]),
      embed([item("b", 1)]),
    ]);
    expect(
      results.map(
        (r) => r.status === "rejected" && (r.reason as ApiError).status,
      ),
    ).toEqual([503, 503]);
    expect(gpu.calls).toEqual([["a", "b"]]);
  });
});
