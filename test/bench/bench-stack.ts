/**
 * What every benchmark section runs on: edge variants and the reference routes inside
 * workerd (Miniflare, no wrangler dev proxy), the CPU stand-in and the local Upstash
 * (redis-server + REST bridge) as their own processes, all on loopback. One tenant,
 * created through the admin API with limits far above what a benchmark sends, so the
 * limiters run their full path without ever refusing.
 */
import path from "node:path";
import { Miniflare } from "miniflare";
import {
  buildWorker,
  COMPATIBILITY_DATE,
  REPO_ROOT,
} from "../../infra/local/build-worker";
import {
  startChild,
  waitForHttp,
  type Child,
} from "../../infra/local/children";
import { freePort } from "../../infra/local/free-port";
import { startLocalUpstash } from "../../infra/local/local-upstash";
import { WORKER_BINDINGS } from "../support/worker-bindings";

const OUT = path.join(REPO_ROOT, "dist/bench");
const ADMIN_TOKEN = "bench-admin-token-0123456789abcdef";
const BENCH_PLAN = {
  requests_per_minute: 1_000_000,
  tokens_per_minute: 1_000_000_000_000,
  tokens_per_month: 1_000_000_000_000,
  max_inputs_per_request: 2048,
};

export interface BenchStack {
  /** The edge with every cache tier and limits on. */
  edgeUrl: string;
  /** The same with RATE_LIMITS=off. */
  edgeNoLimitsUrl: string;
  /** L1 and the Cache API off: every lookup goes to L3 (limits on). */
  l3OnlyUrl: string;
  /** L3 only, RATE_LIMITS=off. */
  l3OnlyNoLimitsUrl: string;
  floorUrl: string;
  standinUrl: string;
  upstash: { url: string; token: string; redisUrl: string };
  apiKey: string;
  tenantId: string;
  /** Another tenant with its own plan (e.g. a small limit), through the admin API. */
  newTenant(
    plan: Partial<typeof BENCH_PLAN>,
  ): Promise<{ tenantId: string; apiKey: string }>;
  /** One more edge instance on the same Upstash (e.g. pointing at another stand-in); disposed by close(). */
  startEdge(vars: Record<string, string>): Promise<string>;
  /** One more tenant (same plan as the first), created through `edgeUrl`'s admin API. */
  createTenant(
    edgeUrl: string,
    name: string,
  ): Promise<{ tenantId: string; apiKey: string }>;
  /** One more stand-in process with a latency profile; stopped by close(). */
  startStandin(profile: "none" | "l4"): Promise<string>;
  close(): Promise<void>;
}

export async function startBenchStack(): Promise<BenchStack> {
  const workerFile = await buildWorker(path.join(OUT, "worker.mjs"));
  const floorFile = path.join(OUT, "floor.mjs");
  await buildWorker(floorFile, "test/bench/floor-worker.ts");

  const standins: Child[] = [];
  const startStandin = async (profile: "none" | "l4") => {
    const { child, url } = await startStandinChild(profile);
    standins.push(child);
    return url;
  };
  const standinUrl = await startStandin("none");
  const upstash = await startLocalUpstash();
  const common = {
    GPU_WORKER_URLS: standinUrl,
    UPSTASH_REDIS_REST_URL: upstash.url,
    UPSTASH_REDIS_REST_TOKEN: upstash.token,
    ADMIN_TOKEN,
  };

  // Separate instances so each has its own address and isolate; one is under load at a time.
  const edge = (vars: Record<string, string>, cacheApi = true) =>
    new Miniflare({
      host: "127.0.0.1",
      port: 0,
      modules: true,
      scriptPath: workerFile,
      compatibilityDate: COMPATIBILITY_DATE,
      cache: cacheApi,
      ...WORKER_BINDINGS,
      bindings: { ...common, ...vars },
    });
  const instances: Record<string, Miniflare> = {
    edge: edge({}),
    edgeNoLimits: edge({ RATE_LIMITS: "off" }),
    l3Only: edge({ CACHE_L1_MAX_BYTES: "0" }, false),
    l3OnlyNoLimits: edge(
      { CACHE_L1_MAX_BYTES: "0", RATE_LIMITS: "off" },
      false,
    ),
    floor: new Miniflare({
      host: "127.0.0.1",
      port: 0,
      modules: true,
      scriptPath: floorFile,
      compatibilityDate: COMPATIBILITY_DATE,
      bindings: {
        UPSTASH_REDIS_REST_URL: upstash.url,
        UPSTASH_REDIS_REST_TOKEN: upstash.token,
      },
    }),
  };
  const urlOf = async (mf: Miniflare) =>
    (await mf.ready).toString().replace(/\/$/, "");
  const edgeUrl = await urlOf(instances.edge!);
  const { tenantId, apiKey } = await createBenchTenant(edgeUrl, ADMIN_TOKEN);
  return {
    edgeUrl,
    edgeNoLimitsUrl: await urlOf(instances.edgeNoLimits!),
    l3OnlyUrl: await urlOf(instances.l3Only!),
    l3OnlyNoLimitsUrl: await urlOf(instances.l3OnlyNoLimits!),
    floorUrl: await urlOf(instances.floor!),
    standinUrl,
    upstash: {
      url: upstash.url,
      token: upstash.token,
      redisUrl: upstash.redisUrl,
    },
    apiKey,
    tenantId,
    newTenant: (plan) =>
      createBenchTenant(edgeUrl, ADMIN_TOKEN, { ...BENCH_PLAN, ...plan }),
    async startEdge(vars) {
      const mf = edge(vars);
      instances[`extra${Object.keys(instances).length}`] = mf;
      return urlOf(mf);
    },
    createTenant: (url, name) =>
      createBenchTenant(url, ADMIN_TOKEN, BENCH_PLAN, name),
    startStandin,
    async close() {
      await Promise.all(Object.values(instances).map((mf) => mf.dispose()));
      await Promise.all([
        ...standins.map((c) => c.stop()),
        ...upstash.children.map((c) => c.stop()),
      ]);
    },
  };
}

/** The CPU stand-in as its own process at a latency profile, ready to serve. */
export async function startStandinChild(
  profile: "none" | "l4",
): Promise<{ child: Child; url: string }> {
  const port = await freePort();
  const child = startChild(
    `gpu-standin-${profile}`,
    path.join(REPO_ROOT, "node_modules/.bin/tsx"),
    [
      path.join(REPO_ROOT, "gpu-worker/standin/main.ts"),
      "--port",
      String(port),
      "--profile",
      profile,
    ],
  );
  await waitForHttp(`http://127.0.0.1:${port}/health`, child, 60_000);
  return { child, url: `http://127.0.0.1:${port}` };
}

/** A tenant with BENCH_PLAN (limits far above any benchmark's load) and one API key, through the admin API. */
export async function createBenchTenant(
  edgeUrl: string,
  adminToken: string,
  plan = BENCH_PLAN,
  name = "benchmark",
): Promise<{ tenantId: string; apiKey: string }> {
  const admin = (path: string, body: unknown) =>
    fetch(`${edgeUrl}/admin/v1${path}`, {
      method: "POST",
      headers: {
        authorization: `Bearer ${adminToken}`,
        "content-type": "application/json",
      },
      body: JSON.stringify(body),
    }).then(async (r) => {
      if (r.status !== 201)
        throw new Error(
          `bench setup: ${path} answered ${r.status} ${await r.text()}`,
        );
      return r.json() as Promise<Record<string, string>>;
    });
  const tenant = await admin("/tenants", { name, plan });
  const key = await admin(`/tenants/${tenant.id}/keys`, { name });
  return { tenantId: tenant.id!, apiKey: key.key! };
}
