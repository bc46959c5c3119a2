import { describe, expect, it } from "vitest";
import { cosine, EMBEDDING_DIMENSIONS, embedText } from "../../gpu-worker/standin/embedder";

function nonZero(v: Float32Array): [number, number][] {
  return Array.from(v)
    .map((x, i) => [i, x] as [number, number])
    .filter(([, x]) => x !== 0);
}

describe("stand-in embedder", () => {
  it("is pinned: known text gives the same buckets, signs and float32 values", () => {
    const v = embedText("Hello, my dog is cute");
    expect(v).toBeInstanceOf(Float32Array);
    expect(v.length).toBe(EMBEDDING_DIMENSIONS);
    const features = nonZero(v);
    expect(features.length).toBe(21);
    expect(features.slice(0, 6)).toEqual([
      [193, 0.1666666716337204],
      [220, -0.1666666716337204],
      [314, 0.3333333432674408],
      [724, 0.3333333432674408],
      [875, 0.1666666716337204],
      [996, 0.1666666716337204],
    ]);
    expect(nonZero(embedText("The quick brown fox")).slice(0, 4)).toEqual([
      [181, 0.1767766922712326],
      [354, 0.3535533845424652],
      [439, 0.1767766922712326],
      [533, 0.1767766922712326],
    ]);
  });

  it("gives a unit vector for every text, even without words", () => {
    for (const text of ["", " ", "!!!", "a", "日本語のテキスト", "emoji 🎉 here", "İstanbul", "x".repeat(5000)]) {
      const v = embedText(text);
      expect(v.length).toBe(EMBEDDING_DIMENSIONS);
      expect(v.every(Number.isFinite)).toBe(true);
      expect(Math.abs(Math.hypot(...v) - 1)).toBeLessThan(1e-6);
    }
  });

  it("tells texts without word features apart", () => {
    expect(embedText("!!!")).not.toEqual(embedText("???"));
    expect(nonZero(embedText("!!!")).length).toBe(1);
  });

  it("scores lexically similar texts above unrelated ones", () => {
    const cat = embedText("The cat sat on the mat");
    const similar = cosine(cat, embedText("the cat sat on a mat"));
    const unrelated = cosine(cat, embedText("Quarterly revenue exceeded expectations"));
    expect(similar).toBeCloseTo(0.8970707209538941, 6);
    expect(unrelated).toBe(0);
    expect(similar).toBeGreaterThan(unrelated + 0.5);
  });

  it("ignores case and Unicode normalisation form, as Qwen3's NFC tokenizer does", () => {
    expect(embedText("Hello World")).toEqual(embedText("hello world"));
    expect(embedText("cafe\u0301 au lait")).toEqual(embedText("caf\u00e9 au lait"));
    expect(embedText("hello world")).not.toEqual(embedText("hello worlds"));
  });

  it("changes the vector when an extra feature is asked for", () => {
    const plain = embedText("The cat sat on the mat");
    const marked = embedText("The cat sat on the mat", { extraFeature: "no end-of-text token" });
    expect(marked).not.toEqual(plain);
    expect(cosine(plain, marked)).toBeGreaterThan(0.9);
  });
});
