/** INDEX_CALLBACK_RETRY_SCHEDULE: the duration list and how configFrom takes it. */
import { describe, expect, it } from "vitest";
import { configFrom, parseDurationList } from "../../../workers/env";

describe("parseDurationList", () => {
  it("reads ms, s, m and h", () => {
    expect(parseDurationList("5s,5m,30m,2h,5h,10h,10h")).toEqual([
      5_000, 300_000, 1_800_000, 7_200_000, 18_000_000, 36_000_000, 36_000_000,
    ]);
    expect(parseDurationList(" 100ms , 1s ")).toEqual([100, 1_000]);
  });

  it.each(["", "5", "5d", "-1s", "1.5s", "25h", "5s,,x"])(
    "refuses %j",
    (text) => {
      expect(parseDurationList(text)).toBeNull();
    },
  );

  it("fails the configuration closed, naming the variable", () => {
    expect(() =>
      configFrom({
        GPU_WORKER_URLS: "http://127.0.0.1:1",
        INDEX_CALLBACK_RETRY_SCHEDULE: "soon",
      }),
    ).toThrow("invalid configuration: INDEX_CALLBACK_RETRY_SCHEDULE");
    expect(
      configFrom({ GPU_WORKER_URLS: "http://127.0.0.1:1" }).indexing
        .callbackRetryDelaysMs,
    ).toEqual([
      5_000, 300_000, 1_800_000, 7_200_000, 18_000_000, 36_000_000, 36_000_000,
    ]);
    expect(() =>
      configFrom({
        GPU_WORKER_URLS: "http://127.0.0.1:1",
        INDEX_CHUNK_MAX_TOKENS: "100",
        INDEX_CHUNK_OVERLAP_TOKENS: "60",
      }),
    ).toThrow(
      "invalid configuration: INDEX_CHUNK_OVERLAP_TOKENS is more than half of INDEX_CHUNK_MAX_TOKENS",
    );
  });
});
