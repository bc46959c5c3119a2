/**
 * The folders of workers/ form a layered graph: no folder imports, directly or through
 * other folders, one that imports it back (CONVENTIONS.md, "Layout shows the
 * architecture"). Imports are read with TypeScript's own pre-processor
 * (`ts.preProcessFile`: static, type-only and dynamic imports and re-exports), so a
 * `import type` counts as a dependency too. Files at the top of workers/ (app.ts,
 * services.ts, env.ts, model.ts, ...) are the composition root and shared
 * configuration, not a folder: they are left out of the graph.
 */
import { readdirSync, readFileSync } from "node:fs";
import { dirname, join, relative, resolve, sep } from "node:path";
import ts from "typescript";
import { describe, expect, it } from "vitest";

const WORKERS = resolve(import.meta.dirname, "../../workers");

/** One folder-to-folder edge and the first import that makes it (for the report). */
type Edges = Map<string, Map<string, string>>;

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return entry.name.endsWith(".ts") ? [path] : [];
  });
}

/** The top-level folder of workers/ that `path` is in, or undefined for a top-level file. */
function folderOf(path: string): string | undefined {
  const parts = relative(WORKERS, path).split(sep);
  return parts.length > 1 && parts[0] !== ".." ? parts[0] : undefined;
}

function folderEdges(): Edges {
  const edges: Edges = new Map();
  for (const file of sourceFiles(WORKERS)) {
    const from = folderOf(file);
    if (from === undefined) continue;
    const { importedFiles } = ts.preProcessFile(
      readFileSync(file, "utf8"),
      true,
      true,
    );
    for (const { fileName } of importedFiles) {
      if (!fileName.startsWith(".")) continue;
      const to = folderOf(resolve(dirname(file), fileName));
      if (to === undefined || to === from) continue;
      const targets = edges.get(from) ?? new Map<string, string>();
      if (!targets.has(to))
        targets.set(to, `${relative(WORKERS, file)} imports ${fileName}`);
      edges.set(from, targets);
    }
  }
  return edges;
}

/**
 * Every elementary cycle's shortest form found by a depth-first search from each node,
 * reported once (rotated to start at its smallest name) as `a -> b -> a`, each step
 * followed by the import that makes it.
 */
function findCycles(edges: Edges): string[] {
  const found = new Map<string, string>();
  const visit = (start: string, node: string, path: string[]): void => {
    for (const [next, why] of edges.get(node) ?? []) {
      const steps = [...path, `${node} -> ${next} (${why})`];
      if (next === start) {
        const names = steps.map((s) => s.split(" ")[0]!);
        const min = names.indexOf([...names].sort()[0]!);
        const rotated = [...steps.slice(min), ...steps.slice(0, min)];
        const key = rotated.map((s) => s.split(" ")[0]).join(">");
        if (!found.has(key)) found.set(key, rotated.join("; "));
      } else if (next > start && !path.some((s) => s.startsWith(`${next} `))) {
        visit(start, next, steps);
      }
    }
  };
  for (const start of [...edges.keys()].sort()) visit(start, start, []);
  return [...found.values()];
}

describe("folder imports in workers/", () => {
  it("have no cycle between top-level folders", () => {
    expect(findCycles(folderEdges())).toEqual([]);
  });

  it("are read: the graph has the edges the pipeline needs (so an empty cycle list means something)", () => {
    const edges = folderEdges();
    expect(edges.get("embeddings")?.has("cache")).toBe(true);
    expect(edges.get("cache")?.has("upstash")).toBe(true);
    expect(edges.get("routes")?.has("middleware")).toBe(true);
  });

  it("the search reports a cycle of three folders once, with the import behind each step", () => {
    const edges: Edges = new Map([
      ["b", new Map([["c", "b/x.ts imports ../c/y"]])],
      ["c", new Map([["a", "c/y.ts imports ../a/z"]])],
      [
        "a",
        new Map([
          ["b", "a/z.ts imports ../b/x"],
          ["d", "a/z.ts imports ../d/w"],
        ]),
      ],
    ]);
    expect(findCycles(edges)).toEqual([
      "a -> b (a/z.ts imports ../b/x); b -> c (b/x.ts imports ../c/y); c -> a (c/y.ts imports ../a/z)",
    ]);
  });
});
