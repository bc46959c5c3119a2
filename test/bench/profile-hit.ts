/**
 * Where an L1 cache hit spends its CPU inside workerd: `npm run bench:profile`
 * (optional `INPUTS=64`, `REQUESTS=300`). Starts the edge in Miniflare with workerd's V8
 * inspector, warms one request of INPUTS texts into L1, samples the CPU (Chrome DevTools
 * protocol `Profiler` domain, 100 µs interval) while REQUESTS such hits run 4 at a time,
 * and prints the functions with the most self time, grouped by source location.
 * Limits on, metering on, as production runs.
 */
import path from "node:path";
import { Miniflare } from "miniflare";
import WebSocket from "ws";
import {
  buildWorker,
  COMPATIBILITY_DATE,
  REPO_ROOT,
} from "../../infra/local/build-worker";
import { freePort } from "../../infra/local/free-port";
import { startLocalUpstash } from "../../infra/local/local-upstash";
import { WORKER_BINDINGS } from "../support/worker-bindings";
import { createBenchTenant, startStandinChild } from "./bench-stack";
import { embedRequest } from "./cache-bench";
import { runLoad } from "./load";
import { sentences } from "./texts";

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  hitCount?: number;
}

const inputs = Number(process.env.INPUTS ?? 64);
const requests = Number(process.env.REQUESTS ?? 300);
const ADMIN_TOKEN = "bench-admin-token-0123456789abcdef";

const workerFile = await buildWorker(
  path.join(REPO_ROOT, "dist/bench/worker.mjs"),
);
const standin = await startStandinChild("none");
const upstash = await startLocalUpstash();
const inspectorPort = await freePort();
const mf = new Miniflare({
  host: "127.0.0.1",
  port: 0,
  // PROFILE=0: no inspector at all, to see the load's own figures undisturbed.
  ...(process.env.PROFILE === "0" ? {} : { inspectorPort }),
  modules: true,
  scriptPath: workerFile,
  compatibilityDate: COMPATIBILITY_DATE,
  ...WORKER_BINDINGS,
  bindings: {
    GPU_WORKER_URLS: standin.url,
    UPSTASH_REDIS_REST_URL: upstash.url,
    UPSTASH_REDIS_REST_TOKEN: upstash.token,
    ADMIN_TOKEN,
  },
});
try {
  const url = (await mf.ready).toString().replace(/\/$/, "");
  const { apiKey } = await createBenchTenant(url, ADMIN_TOKEN);
  const texts = sentences(inputs, 12_000_000);
  for (let i = 0; i < 3; i++)
    await (await embedRequest(url, apiKey, texts)).arrayBuffer();

  if (process.env.PROFILE === "0") {
    const load = await runLoad(
      `L1 hit ${inputs} in`,
      () => embedRequest(url, apiKey, texts),
      { requests, concurrency: 4 },
    );
    console.log(
      `L1 hit, ${inputs} inputs, not profiled: ${load.reqPerSec.toFixed(1)} req/s, p50 ${load.p50.toFixed(2)} ms (${requests} requests)`,
    );
  } else {
    await profileLoad(url, apiKey, texts);
  }
} finally {
  await mf.dispose();
  await Promise.all([
    standin.child.stop(),
    ...upstash.children.map((c) => c.stop()),
  ]);
}

async function profileLoad(
  url: string,
  apiKey: string,
  texts: string[],
): Promise<void> {
  const targets = (await (
    await fetch(`http://127.0.0.1:${inspectorPort}/json`)
  ).json()) as { webSocketDebuggerUrl: string; title?: string }[];
  const target = targets.find((t) => t.webSocketDebuggerUrl) ?? targets[0];
  if (!target) throw new Error("workerd exposed no inspector target");
  const ws = new WebSocket(target.webSocketDebuggerUrl);
  await new Promise((resolve, reject) =>
    ws.once("open", resolve).once("error", reject),
  );
  let nextId = 1;
  const pending = new Map<number, (result: unknown) => void>();
  ws.on("message", (data: Buffer) => {
    const message = JSON.parse(data.toString()) as {
      id?: number;
      result?: unknown;
    };
    if (message.id !== undefined) pending.get(message.id)?.(message.result);
  });
  const send = (method: string, params: Record<string, unknown> = {}) =>
    new Promise<unknown>((resolve) => {
      const id = nextId++;
      pending.set(id, resolve);
      ws.send(JSON.stringify({ id, method, params }));
    });

  await send("Profiler.enable");
  await send("Profiler.setSamplingInterval", { interval: 100 });
  await send("Profiler.start");
  const load = await runLoad(
    `L1 hit ${inputs} in`,
    () => embedRequest(url, apiKey, texts),
    { requests, concurrency: 4, warmup: 0 },
  );
  const { profile } = (await send("Profiler.stop")) as {
    profile: { nodes: ProfileNode[]; startTime: number; endTime: number };
  };
  ws.close();

  const total = profile.nodes.reduce((s, n) => s + (n.hitCount ?? 0), 0);
  const bySite = new Map<string, number>();
  for (const node of profile.nodes) {
    const { functionName, url: file, lineNumber } = node.callFrame;
    const site =
      `${functionName || "(anonymous)"} ${file ? `${path.basename(file)}:${lineNumber + 1}` : ""}`.trim();
    bySite.set(site, (bySite.get(site) ?? 0) + (node.hitCount ?? 0));
  }
  const wallMs = (profile.endTime - profile.startTime) / 1000;
  console.log(
    `L1 hit, ${inputs} inputs: ${load.reqPerSec.toFixed(1)} req/s, p50 ${load.p50.toFixed(2)} ms (${requests} requests, profiled)`,
  );
  console.log(
    `samples: ${total} over ${wallMs.toFixed(0)} ms; self time by function (share of samples, ms per request):`,
  );
  for (const [site, hits] of [...bySite]
    .sort((a, b) => b[1] - a[1])
    .slice(0, 25)) {
    console.log(
      `  ${((100 * hits) / total).toFixed(1).padStart(5)}%  ${(((hits / total) * wallMs) / requests).toFixed(3)} ms  ${site}`,
    );
  }
}
