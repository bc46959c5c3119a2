/**
 * What every benchmark section runs on: the Worker bundle and the floor route inside
 * workerd (Miniflare, no wrangler dev proxy), and the CPU stand-in as its own process,
 * all on loopback.
 */
import path from "node:path";
import { Miniflare } from "miniflare";
import { buildWorker, COMPATIBILITY_DATE, REPO_ROOT } from "../../infra/local/build-worker";
import { startChild, waitForHttp, type Child } from "../../infra/local/children";
import { freePort } from "../../infra/local/free-port";
import { startLocalUpstash } from "../../infra/local/local-upstash";

export const BENCH_KEY = "sk_bench_key_0123456789abcdef";
const OUT = path.join(REPO_ROOT, "dist/bench");

export interface BenchStack {
  /** The edge with every cache tier (L3 on the local Upstash bridge). */
  edgeUrl: string;
  /** The same edge with L1 off and the Cache API off: every lookup goes to L3. */
  l3OnlyUrl: string;
  upstash: { url: string; token: string };
  floorUrl: string;
  standinUrl: string;
  close(): Promise<void>;
}

export async function startBenchStack(vars: Record<string, string> = {}): Promise<BenchStack> {
  const workerFile = await buildWorker(path.join(OUT, "worker.mjs"));
  const floorFile = path.join(OUT, "floor.mjs");
  await buildWorker(floorFile, "test/bench/floor-worker.ts");

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
  const upstash = await startLocalUpstash();
  const cacheVars = { UPSTASH_REDIS_REST_URL: upstash.url, UPSTASH_REDIS_REST_TOKEN: upstash.token };

  // Separate instances so each has its own address; only one is under load at a time.
  const edge = new Miniflare({
    host: "127.0.0.1",
    port: 0,
    modules: true,
    scriptPath: workerFile,
    compatibilityDate: COMPATIBILITY_DATE,
    bindings: { GPU_WORKER_URLS: standinUrl, API_KEYS: BENCH_KEY, ...cacheVars, ...vars },
  });
  const l3Only = new Miniflare({
    host: "127.0.0.1",
    port: 0,
    modules: true,
    scriptPath: workerFile,
    compatibilityDate: COMPATIBILITY_DATE,
    cache: false,
    bindings: { GPU_WORKER_URLS: standinUrl, API_KEYS: BENCH_KEY, ...cacheVars, CACHE_L1_MAX_BYTES: "0", ...vars },
  });
  const floor = new Miniflare({ host: "127.0.0.1", port: 0, modules: true, scriptPath: floorFile, compatibilityDate: COMPATIBILITY_DATE, bindings: cacheVars });
  const urlOf = async (mf: Miniflare) => (await mf.ready).toString().replace(/\/$/, "");
  return {
    edgeUrl: await urlOf(edge),
    l3OnlyUrl: await urlOf(l3Only),
    upstash: { url: upstash.url, token: upstash.token },
    floorUrl: await urlOf(floor),
    standinUrl,
    async close() {
      await Promise.all([edge.dispose(), l3Only.dispose(), floor.dispose()]);
      await Promise.all([standin.stop(), ...upstash.children.map((c) => c.stop())]);
    },
  };
}
