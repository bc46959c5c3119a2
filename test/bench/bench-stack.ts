/**
 * What every benchmark section runs on: the Worker bundle and the floor route inside
 * workerd (Miniflare, no wrangler dev proxy), and the CPU stand-in as its own process,
 * all on loopback.
 */
import path from "node:path";
import { build } from "esbuild";
import { Miniflare } from "miniflare";
import { buildWorker, COMPATIBILITY_DATE, REPO_ROOT } from "../../infra/local/build-worker";
import { startChild, waitForHttp, type Child } from "../../infra/local/children";
import { freePort } from "../../infra/local/free-port";

export const BENCH_KEY = "sk_bench_key_0123456789abcdef";
const OUT = path.join(REPO_ROOT, "dist/bench");

export interface BenchStack {
  edgeUrl: string;
  floorUrl: string;
  standinUrl: string;
  close(): Promise<void>;
}

export async function startBenchStack(vars: Record<string, string> = {}): Promise<BenchStack> {
  const workerFile = await buildWorker(path.join(OUT, "worker.mjs"));
  const floorFile = path.join(OUT, "floor.mjs");
  await build({
    entryPoints: [path.join(REPO_ROOT, "test/bench/floor-worker.ts")],
    outfile: floorFile,
    bundle: true,
    format: "esm",
    platform: "browser",
    conditions: ["workerd", "worker", "browser"],
    logLevel: "warning",
  });

  const standinPort = await freePort();
  const standin: Child = startChild("gpu-standin", path.join(REPO_ROOT, "node_modules/.bin/tsx"), [
    path.join(REPO_ROOT, "gpu-worker/standin/main.ts"),
    "--port",
    String(standinPort),
    "--profile",
    "none",
  ]);
  const standinUrl = `http://127.0.0.1:${standinPort}`;
  await waitForHttp(`${standinUrl}/health`, standin, 60_000);

  // Separate instances so each has its own address; only one is under load at a time.
  const edge = new Miniflare({
    host: "127.0.0.1",
    port: 0,
    modules: true,
    scriptPath: workerFile,
    compatibilityDate: COMPATIBILITY_DATE,
    bindings: { GPU_WORKER_URLS: standinUrl, API_KEYS: BENCH_KEY, ...vars },
  });
  const floor = new Miniflare({ host: "127.0.0.1", port: 0, modules: true, scriptPath: floorFile, compatibilityDate: COMPATIBILITY_DATE });
  const urlOf = async (mf: Miniflare) => (await mf.ready).toString().replace(/\/$/, "");
  return {
    edgeUrl: await urlOf(edge),
    floorUrl: await urlOf(floor),
    standinUrl,
    async close() {
      await Promise.all([edge.dispose(), floor.dispose()]);
      await standin.stop();
    },
  };
}
