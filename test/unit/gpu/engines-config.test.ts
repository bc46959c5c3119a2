/** GPU_WORKER_ENGINES as configFrom reads it: one engine per URL, in order, or detection. */
import { describe, expect, it } from "vitest";
import { configFrom } from "../../../workers/env";

const URLS = { GPU_WORKER_URLS: "http://a.test, http://b.test" };

describe("GPU_WORKER_ENGINES", () => {
  it("maps each URL to its engine, for both lanes", () => {
    const config = configFrom({ ...URLS, GPU_WORKER_ENGINES: "sglang, vllm" });
    const engines = { "http://a.test": "sglang", "http://b.test": "vllm" };
    expect(config.gpu.engines).toEqual(engines);
    expect(config.indexing.bulkGpu.engines).toEqual(engines);
  });

  it("leaves engines to detection when unset or empty", () => {
    expect(configFrom({ ...URLS }).gpu.engines).toBeUndefined();
    expect(
      configFrom({ ...URLS, GPU_WORKER_ENGINES: "" }).gpu.engines,
    ).toBeUndefined();
  });

  it("fails closed on an unknown engine or a count that does not match the URLs", () => {
    expect(() =>
      configFrom({ ...URLS, GPU_WORKER_ENGINES: "sglang,triton" }),
    ).toThrow("invalid configuration: GPU_WORKER_ENGINES");
    expect(() => configFrom({ ...URLS, GPU_WORKER_ENGINES: "tei" })).toThrow(
      "invalid configuration: GPU_WORKER_ENGINES must name one engine per GPU_WORKER_URLS entry",
    );
  });
});
