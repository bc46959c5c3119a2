import { describe, expect, it } from "vitest";
import { forEachChunk, mapInChunks } from "../../../workers/cpu/map-in-chunks";

/** The order in which `fn` saw the items and a timer set just before the call ran ("T"). */
async function orderWithTimer(
  items: number[],
  chunk: number,
): Promise<(number | "T")[]> {
  const log: (number | "T")[] = [];
  setTimeout(() => log.push("T"), 0);
  await mapInChunks(items, (x) => log.push(x), chunk);
  await new Promise((r) => setTimeout(r, 5));
  return log;
}

describe("mapInChunks", () => {
  it("maps in order, sync and async functions alike, with indices", async () => {
    expect(await mapInChunks([1, 2, 3, 4, 5], (x, i) => x * 10 + i, 2)).toEqual(
      [10, 21, 32, 43, 54],
    );
    expect(
      await mapInChunks(["a", "b", "c"], async (x, i) => `${x}${i}`, 2),
    ).toEqual(["a0", "b1", "c2"]);
    expect(await mapInChunks([], (x: number) => x, 2)).toEqual([]);
  });

  it("never yields for work of one chunk, and lets a waiting task run between chunks", async () => {
    expect(await orderWithTimer([0, 1, 2, 3], 4)).toEqual([0, 1, 2, 3, "T"]);
    // Chunks of 3: the task queued before the call runs at the first yield, after item 2.
    expect(await orderWithTimer([0, 1, 2, 3, 4, 5, 6], 3)).toEqual([
      0,
      1,
      2,
      "T",
      3,
      4,
      5,
      6,
    ]);
  });

  it("runs one async chunk at a time and rejects with the function's error", async () => {
    let active = 0;
    let peak = 0;
    const slowly = async () => {
      peak = Math.max(peak, ++active);
      await new Promise((r) => setTimeout(r, 1));
      active--;
    };
    await mapInChunks([0, 1, 2, 3, 4, 5, 6], slowly, 3);
    expect(peak).toBe(3);
    const failOnThree = (x: number) => {
      if (x === 3) throw new RangeError("three");
      return x;
    };
    await expect(mapInChunks([1, 2, 3], failOnThree, 2)).rejects.toThrow(
      "three",
    );
  });
});

describe("forEachChunk", () => {
  it("hands over consecutive slices with their start index", async () => {
    const seen: [number[], number][] = [];
    await forEachChunk(
      [1, 2, 3, 4, 5],
      (slice, start) => void seen.push([[...slice], start]),
      2,
    );
    expect(seen).toEqual([
      [[1, 2], 0],
      [[3, 4], 2],
      [[5], 4],
    ]);
  });
});
