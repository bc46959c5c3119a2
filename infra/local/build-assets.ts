/**
 * Builds the static assets the Worker serves under `/assets/` (wrangler.toml `[assets]`,
 * binding ASSETS): the console's script and stylesheet, bundled by esbuild from
 * `console/` with uPlot (npm, pinned), and the docs UI from `swagger-ui-dist` (npm,
 * pinned) with its own initialiser. Everything the pages load comes from here, so they
 * make no third-party request and run under a `script-src 'self'` policy.
 */
import { build } from "esbuild";
import {
  copyFileSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  renameSync,
  rmSync,
} from "node:fs";
import { createRequire } from "node:module";
import { fileURLToPath } from "node:url";
import path from "node:path";
import { REPO_ROOT } from "./build-worker";

/** The directory wrangler.toml's `[assets]` names; its `assets/` folder is served at `/assets/`. */
export const ASSETS_DIR = path.join(REPO_ROOT, "dist/static");

/** The files of swagger-ui-dist the docs page loads, copied as they are. */
const SWAGGER_FILES = ["swagger-ui-bundle.js", "swagger-ui.css"];

/**
 * Builds every asset into `outDir/assets/` (replacing what was there); returns `outDir`.
 * Files are built beside it and renamed in one by one, so a server or a `wrangler deploy
 * --dry-run` reading the folder meanwhile (tests run in parallel) sees whole files.
 */
export async function buildAssets(outDir = ASSETS_DIR): Promise<string> {
  const target = path.join(outDir, "assets");
  mkdirSync(target, { recursive: true });
  const staging = mkdtempSync(path.join(outDir, ".assets-"));
  try {
    await buildInto(staging);
    const built = readdirSync(staging);
    for (const file of built)
      renameSync(path.join(staging, file), path.join(target, file));
    for (const file of readdirSync(target))
      if (!built.includes(file))
        rmSync(path.join(target, file), { force: true });
  } finally {
    rmSync(staging, { recursive: true, force: true });
  }
  return outDir;
}

async function buildInto(target: string): Promise<void> {
  await build({
    entryPoints: {
      console: path.join(REPO_ROOT, "console/main.ts"),
      "console-style": path.join(REPO_ROOT, "console/console.css"),
      docs: path.join(REPO_ROOT, "console/docs.ts"),
    },
    outdir: target,
    bundle: true,
    minify: true,
    format: "esm",
    platform: "browser",
    target: "es2022",
    logLevel: "warning",
  });
  const require = createRequire(import.meta.url);
  const swaggerDir = path.dirname(
    require.resolve("swagger-ui-dist/package.json"),
  );
  for (const file of SWAGGER_FILES)
    copyFileSync(path.join(swaggerDir, file), path.join(target, file));
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  console.log(`built ${await buildAssets(process.argv[2] ?? ASSETS_DIR)}`);
}
