/**
 * Bundles the Worker the way wrangler does (ESM, workerd/worker/browser export
 * conditions), for the tests and the benchmark, which run it inside workerd through
 * Miniflare directly: `wrangler dev` puts a proxy in front that would blur both.
 */
import { build } from "esbuild";
import { fileURLToPath } from "node:url";
import path from "node:path";

export const REPO_ROOT = path.resolve(
  path.dirname(fileURLToPath(import.meta.url)),
  "../..",
);
export const COMPATIBILITY_DATE = "2026-04-01";

/** Bundles `entry` (default: the edge Worker) into `outFile`. */
export async function buildWorker(
  outFile: string,
  entry = "workers/index.ts",
): Promise<string> {
  await build({
    entryPoints: [path.join(REPO_ROOT, entry)],
    outfile: outFile,
    bundle: true,
    format: "esm",
    platform: "browser",
    target: "es2022",
    conditions: ["workerd", "worker", "browser"],
    mainFields: ["browser", "module", "main"],
    external: ["cloudflare:*"],
    logLevel: "warning",
  });
  return outFile;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const out = process.argv[2] ?? path.join(REPO_ROOT, "dist/worker.mjs");
  await buildWorker(out);
  console.log(`built ${out}`);
}
