import { describe, expect, it } from "vitest";
import {
  embeddingProblem,
  isUnitVector,
} from "../../../workers/vectors/unit-vector";

/** [0.6, 0.8] has norm exactly 1 (0.36 + 0.64); scaled copies have norm = the scale. */
const unit2 = (scale: number) => new Float32Array([0.6 * scale, 0.8 * scale]);

/** A 2560-value vector with norm `scale`: every value scale / sqrt(2560) = scale / 50.596... */
const full = (scale: number) =>
  new Float32Array(2560).fill(scale / Math.sqrt(2560));

describe("isUnitVector", () => {
  it("accepts finite vectors whose norm is within 0.01 of 1", () => {
    expect(isUnitVector(unit2(1))).toBe(true);
    expect(isUnitVector(unit2(0.995))).toBe(true);
    expect(isUnitVector(unit2(1.005))).toBe(true);
  });

  it("refuses norms further from 1, non-finite values and the empty vector", () => {
    expect(isUnitVector(unit2(0.985))).toBe(false);
    expect(isUnitVector(unit2(1.015))).toBe(false);
    expect(isUnitVector(new Float32Array([0.5, 0.5]))).toBe(false);
    expect(isUnitVector(new Float32Array([1, Infinity]))).toBe(false);
    expect(isUnitVector(new Float32Array([1, Number.NaN]))).toBe(false);
    expect(isUnitVector(new Float32Array(0))).toBe(false);
  });
});

describe("embeddingProblem", () => {
  it("says nothing of a 2560-value unit vector", () => {
    expect(embeddingProblem(full(1))).toBeUndefined();
  });

  it("names the size first, then a non-finite value, then the norm to 4 places", () => {
    expect(embeddingProblem(unit2(1))).toBe("has 2 dimensions, expected 2560");
    const withNaN = full(1);
    withNaN[7] = Number.NaN;
    expect(embeddingProblem(withNaN)).toBe("has a non-finite value");
    expect(embeddingProblem(full(0.5))).toBe("has L2 norm 0.5000, expected 1");
  });
});
