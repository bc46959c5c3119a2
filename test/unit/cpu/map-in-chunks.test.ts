import { describe, expect, it } from "vitest";
import { forEachChunk, mapInChunks } from "../../../workers/cpu/map-in-chunks";

/** Counts how many timer tasks ran while `work` was in progress: each one is a yield. */
async function timerTasksDuring(work: () => Promise<unknown>): Promise<number> {
  let ticks = 0;
  let running = true;
  const tick = () => {
    if (!running) return;
    ticks++;
    setTimeout(tick, 0);
  };
  setTimeout(tick, 0);
  await work();
  running = false;
  return ticks;
}

describe("mapInChunks", () => {
  it("maps in order, sync and async functions alike, with indices", async () => {
    expect(await mapInChunks([1, 2, 3, 4, 5], (x, i) => x * 10 + i, 2)).toEqual([10, 21, 32, 43, 54]);
    expect(await mapInChunks(["a", "b", "c"], async (x, i) => `${x}${i}`, 2)).toEqual(["a0", "b1", "c2"]);
    expect(await mapInChunks([], (x: number) => x, 2)).toEqual([]);
  });

  it("never yields for work of one chunk, and lets other tasks run between chunks", async () => {
    expect(await timerTasksDuring(() => mapInChunks([1, 2, 3, 4], (x) => x, 4))).toBe(0);
    // 10 items in chunks of 3: 4 chunks, 3 yields between them; another task runs at each.
    expect(await timerTasksDuring(() => mapInChunks(Array.from({ length: 10 }, (_, i) => i), (x) => x, 3))).toBeGreaterThanOrEqual(3);
  });

  it("runs one async chunk at a time and rejects with the function's error", async () => {
    let active = 0;
    let peak = 0;
    await mapInChunks(Array.from({ length: 7 }, (_, i) => i), async () => {
      peak = Math.max(peak, ++active);
      await new Promise((r) => setTimeout(r, 1));
      active--;
    }, 3);
    expect(peak).toBe(3);
    await expect(mapInChunks([1, 2, 3], (x) => { if (x === 3) throw new RangeError("three"); return x; }, 2)).rejects.toThrow("three");
  });
});

describe("forEachChunk", () => {
  it("hands over consecutive slices with their start index", async () => {
    const seen: [number[], number][] = [];
    await forEachChunk([1, 2, 3, 4, 5], (slice, start) => void seen.push([[...slice], start]), 2);
    expect(seen).toEqual([[[1, 2], 0], [[3, 4], 2], [[5], 4]]);
  });
});
