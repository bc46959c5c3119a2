import { describe, expect, it } from "vitest";
import {
  cosine,
  EMBEDDING_DIMENSIONS,
  embedText,
} from "../../gpu-worker/standin/embedder";

function nonZero(v: Float32Array): [number, number][] {
  return Array.from(v)
    .map((x, i) => [i, x] as [number, number])
    .filter(([, x]) => x !== 0);
}

describe("stand-in embedder", () => {
  it("is pinned: known texts give the same float32 values on every run and machine", () => {
    const v = embedText("Hello, my dog is cute");
    expect(v).toBeInstanceOf(Float32Array);
    expect(v.length).toBe(EMBEDDING_DIMENSIONS);
    expect(nonZero(v).length).toBe(128);
    expect(Array.from(v.slice(0, 8))).toEqual([
      0.06651900708675385, 0.06651900708675385, 0, 0.06651900708675385,
      0.1330380141735077, 0, 0, 0.1330380141735077,
    ]);
    expect(Array.from(embedText("The quick brown fox").slice(0, 6))).toEqual([
      0, -0.14071950316429138, 0, 0, 0, 0.07035975158214569,
    ]);
  });

  it("gives a unit vector for every text, even without words", () => {
    for (const text of [
      "",
      " ",
      "!!!",
      "a",
      "日本語のテキスト",
      "emoji 🎉 here",
      "İstanbul",
      "x".repeat(5000),
    ]) {
      const v = embedText(text);
      expect(v.length).toBe(EMBEDDING_DIMENSIONS);
      expect(v.every(Number.isFinite)).toBe(true);
      expect(Math.abs(Math.hypot(...v) - 1)).toBeLessThan(1e-6);
    }
  });

  it("tells texts without word features apart", () => {
    expect(embedText("!!!")).not.toEqual(embedText("???"));
    // One whole-text feature, one bucket in each of the seven bands.
    expect(nonZero(embedText("!!!")).length).toBe(7);
  });

  it("scores lexically similar texts above unrelated ones", () => {
    const cat = embedText("The cat sat on the mat");
    const similar = cosine(cat, embedText("the cat sat on a mat"));
    const unrelated = cosine(
      cat,
      embedText("Quarterly revenue exceeded expectations"),
    );
    expect(similar).toBeCloseTo(0.9008621933698245, 12);
    expect(unrelated).toBeCloseTo(-0.052940329963650896, 12);
    expect(similar).toBeGreaterThan(unrelated + 0.5);
  });

  it("keeps every Matryoshka prefix the edge may truncate to non-zero and similarity-ordered", () => {
    const prefix = (text: string, dims: number): Float32Array => {
      const head = embedText(text).slice(0, dims);
      const norm = Math.hypot(...head);
      return head.map((x) => x / norm);
    };
    for (const dims of [32, 64, 128, 256, 1024, 2560]) {
      for (const text of [
        "!!!",
        "a",
        "alpha beta gamma",
        "delta epsilon zeta",
      ]) {
        expect(Number.isFinite(Math.hypot(...prefix(text, dims)))).toBe(true);
      }
      expect(prefix("alpha beta gamma", dims)).not.toEqual(
        prefix("delta epsilon zeta", dims),
      );
      const cat = prefix("The cat sat on the mat", dims);
      const similar = cosine(cat, prefix("the cat sat on a mat", dims));
      const unrelated = cosine(
        cat,
        prefix("Quarterly revenue exceeded expectations", dims),
      );
      expect(similar).toBeGreaterThan(0.8);
      expect(similar).toBeGreaterThan(unrelated + 0.5);
    }
  });

  it("ignores case and Unicode normalisation form, as Qwen3's NFC tokenizer does", () => {
    expect(embedText("Hello World")).toEqual(embedText("hello world"));
    expect(embedText("cafe\u0301 au lait")).toEqual(
      embedText("caf\u00e9 au lait"),
    );
    expect(embedText("hello world")).not.toEqual(embedText("hello worlds"));
  });

  it("changes the vector when an extra feature is asked for", () => {
    const plain = embedText("The cat sat on the mat");
    const marked = embedText("The cat sat on the mat", {
      extraFeature: "no end-of-text token",
    });
    expect(marked).not.toEqual(plain);
    expect(cosine(plain, marked)).toBeGreaterThan(0.9);
  });
});
