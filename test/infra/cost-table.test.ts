/**
 * infra/README.md's cost table: every dollars-per-million cell must follow from its
 * row's price and throughput, so the arithmetic cannot drift from the inputs.
 */
import { describe, expect, it } from "vitest";
import { readRepoFile } from "./repo-files";

const HIT_RATES = [0, 0.5, 0.9];

function costRows(): string[][] {
  const readme = readRepoFile("infra", "README.md");
  const section = readme.slice(readme.indexOf("## Cost"));
  return section
    .split("\n")
    .filter((line) => /^\| (RunPod|Modal) \|/.test(line))
    .map((line) =>
      line
        .split("|")
        .slice(1, -1)
        .map((cell) => cell.trim()),
    );
}

describe("infra/README.md cost table", () => {
  const rows = costRows();

  it("covers L4 and an A10-class card on both RunPod and Modal", () => {
    expect(rows.map((r) => `${r[0]} ${r[1]}`)).toEqual(
      expect.arrayContaining([
        "RunPod L4",
        "Modal L4",
        "Modal A10",
        expect.stringMatching(/^RunPod .*A10/),
      ]),
    );
  });

  it("derives throughput from the physics (peak / 7.3 GFLOP per token x 50%)", () => {
    const peak: Record<string, number> = { L4: 121e12, A10: 125e12 };
    for (const row of rows) {
      const card = row[1]!.includes("A10") ? "A10" : "L4";
      expect(Number(row[3]), row.join(" ")).toBe(
        Math.round((peak[card]! / 7.3e9) * 0.5),
      );
    }
  });

  it("computes $/M tokens = $/s / tokens/s x 1e6 x (1 - hit rate), to 4 decimals", () => {
    for (const row of rows) {
      const price = Number(row[2]);
      const tokensPerSecond = Number(row[3]);
      HIT_RATES.forEach((hit, i) => {
        const expected = (price / tokensPerSecond) * 1e6 * (1 - hit);
        expect(
          Number(row[4 + i]),
          `${row[0]} ${row[1]} at ${hit * 100}%`,
        ).toBeCloseTo(expected, 4);
      });
    }
  });
});
