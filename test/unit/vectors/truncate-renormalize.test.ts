import { describe, expect, it } from "vitest";
import { truncateAndRenormalize } from "../../../workers/vectors/truncate-renormalize";

describe("truncateAndRenormalize", () => {
  it("keeps the first dims values and rescales them to unit length", () => {
    expect(truncateAndRenormalize(new Float32Array([3, 4, 12]), 2)).toEqual(
      new Float32Array([Math.fround(0.6), Math.fround(0.8)]),
    );
  });

  it("renormalises the full vector too, and never divides by zero", () => {
    const full = truncateAndRenormalize(new Float32Array([0, 0, 2]), 3);
    expect([...full]).toEqual([0, 0, 1]);
    expect([...truncateAndRenormalize(new Float32Array([0, 0, 2]), 2)]).toEqual(
      [0, 0],
    );
  });

  it("gives unit norm at every Matryoshka size", () => {
    const v = new Float32Array(2560).map((_, i) => Math.cos(i * 0.37));
    for (const dims of [32, 64, 128, 256, 512, 1024, 2560]) {
      const out = truncateAndRenormalize(v, dims);
      expect(out.length).toBe(dims);
      const norm = Math.sqrt(out.reduce((s, x) => s + x * x, 0));
      expect(Math.abs(norm - 1)).toBeLessThan(1e-6);
    }
  });
});
