/**
 * `npm start`: the whole system on one machine. Starts the CPU stand-in (unless
 * GPU_WORKER_URLS points at real engine workers, GPU_WORKER_ENGINES naming their
 * engines; STANDIN_ENGINE picks the stand-in's protocol) and the edge Worker under
 * `wrangler dev`, prints the base URL, the console's URL and a development API key, and stops every child
 * on Ctrl-C or SIGTERM. Configuration: see README.md ("Configuration").
 */
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { buildAssets } from "./build-assets";
import { REPO_ROOT } from "./build-worker";
import { startChild, waitForHttp, type Child } from "./children";
import { freePort } from "./free-port";
import { startLocalUpstash } from "./local-upstash";
import { seedDevTenant } from "./seed-dev-tenant";

const children: Child[] = [];
let stopping = false;
// Secrets reach wrangler through an env file only this user can read, removed on exit,
// so they are neither in `ps` output nor in wrangler's printed bindings table.
const secretsDir = mkdtempSync(path.join(tmpdir(), "qwen3-edge-"));
process.on("exit", () => rmSync(secretsDir, { recursive: true, force: true }));

async function stopAll(code: number): Promise<never> {
  if (!stopping) {
    stopping = true;
    console.log("\nstopping local stack...");
    await Promise.all(children.reverse().map((c) => c.stop()));
  }
  process.exit(code);
}

process.on("SIGINT", () => void stopAll(0));
process.on("SIGTERM", () => void stopAll(0));

const bin = (name: string) => path.join(REPO_ROOT, "node_modules/.bin", name);

async function main(): Promise<void> {
  const port = Number(process.env.PORT ?? 8787);
  const adminToken =
    process.env.ADMIN_TOKEN ?? `adm_${randomBytes(24).toString("base64url")}`;
  let gpuUrls = process.env.GPU_WORKER_URLS;
  const usingStandin = !gpuUrls;

  if (usingStandin) {
    const standinPort = await freePort();
    const standin = startChild("gpu-standin", bin("tsx"), [
      path.join(REPO_ROOT, "gpu-worker/standin/main.ts"),
      "--port",
      String(standinPort),
    ]);
    children.push(standin);
    gpuUrls = `http://127.0.0.1:${standinPort}`;
    await waitForHttp(`${gpuUrls}/health`, standin, 60_000);
  }

  const upstash = await upstashForStack();
  // wrangler.toml's [assets] directory: the console's and /docs' scripts and styles.
  await buildAssets();

  // Local development only: indexing jobs may fetch documents from, and call back, servers
  // on this machine (loopback, http allowed there); every other private address stays refused.
  const vars: Record<string, string> = {
    GPU_WORKER_URLS: gpuUrls!,
    UPSTASH_REDIS_REST_URL: upstash.url,
    INDEX_ALLOW_LOOPBACK_URLS: "on",
  };
  // Engines of the given URLs (workers/env.ts); the stand-in's engine is detected like any other.
  if (!usingStandin && process.env.GPU_WORKER_ENGINES)
    vars.GPU_WORKER_ENGINES = process.env.GPU_WORKER_ENGINES;
  const secrets: Record<string, string> = {
    ADMIN_TOKEN: adminToken,
    UPSTASH_REDIS_REST_TOKEN: upstash.token,
  };
  if (process.env.GPU_WORKER_TOKEN)
    secrets.GPU_WORKER_TOKEN = process.env.GPU_WORKER_TOKEN;
  if (process.env.GPU_WORKER_HEADERS)
    secrets.GPU_WORKER_HEADERS = process.env.GPU_WORKER_HEADERS;
  const secretsFile = path.join(secretsDir, "secrets.env");
  writeFileSync(
    secretsFile,
    Object.entries(secrets)
      .map(([k, v]) => `${k}=${v}\n`)
      .join(""),
    { mode: 0o600 },
  );
  const edge = startChild(
    "edge",
    bin("wrangler"),
    [
      "dev",
      "--cwd",
      REPO_ROOT,
      "--ip",
      "127.0.0.1",
      "--port",
      String(port),
      "--show-interactive-dev-session=false",
      "--env-file",
      secretsFile,
      ...Object.entries(vars).flatMap(([k, v]) => ["--var", `${k}:${v}`]),
    ],
    {
      WRANGLER_SEND_METRICS: "false",
      CLOUDFLARE_CF_FETCH_ENABLED: "false",
      NO_UPDATE_NOTIFIER: "1",
      CI: "1",
    },
  );
  children.push(edge);
  const baseUrl = `http://127.0.0.1:${port}`;
  // /healthz answers 500 only when the Worker refuses its configuration (workers/env.ts;
  // its [edge] log line names the variable): waiting longer cannot help.
  await waitForHttp(`${baseUrl}/healthz`, edge, 120_000, undefined, (status) =>
    status === 500
      ? "the Worker refused its configuration (its [edge] ConfigError log line names the variable)"
      : null,
  );
  const dev = await seedDevTenant(upstash, process.env.DEV_API_KEY);
  const apiKey = dev.apiKey;

  console.log(
    [
      "",
      "=== local stack ready ===",
      `base URL:     ${baseUrl}/v1`,
      `console:      ${baseUrl}/console   (sign in with the API key or the admin token; API docs at ${baseUrl}/docs)`,
      `API key:      ${apiKey}   (tenant ${dev.tenantId}${dev.reused ? ", existing" : ", development"})`,
      `admin token:  ${adminToken}   (npm run admin -- --help; ADMIN_URL=${baseUrl} ADMIN_TOKEN=…)`,
      `GPU workers:  ${usingStandin ? `${gpuUrls} (CPU stand-in)` : gpuUrls}` +
        `   (engines: ${vars.GPU_WORKER_ENGINES ?? "detected from each endpoint's info route"})`,
      `L3 cache:     ${upstash.url}${upstash.local ? " (Upstash REST bridge over an ephemeral redis-server)" : ""}`,
      usingStandin
        ? "NOTE: the CPU stand-in's vectors are feature hashes, NOT Qwen3-Embedding-4B. Set GPU_WORKER_URLS for real ones."
        : "",
      `indexing:     POST ${baseUrl}/v1/index/jobs (README.md, "Indexing jobs"); loopback document and callback URLs allowed`,
      `try: curl ${baseUrl}/v1/embeddings -H "Authorization: Bearer ${apiKey}" -H "Content-Type: application/json" -d '{"model":"Qwen3-Embedding-4B","input":"hello"}'`,
      "Ctrl-C stops everything.",
      "",
    ].join("\n"),
  );

  // A child that dies takes the stack down with a non-zero exit, rather than leaving
  // half a system running.
  for (const child of children) {
    child.process.once("exit", (code) => {
      if (!stopping) {
        console.error(`${child.name} exited (code ${code}); stopping.`);
        void stopAll(1);
      }
    });
  }
}

/** The L3 cache: the given Upstash database, or a local one (infra/local/local-upstash.ts). */
async function upstashForStack(): Promise<{
  url: string;
  token: string;
  local: boolean;
}> {
  const url = process.env.UPSTASH_REDIS_REST_URL;
  if (url) {
    const token = process.env.UPSTASH_REDIS_REST_TOKEN;
    if (!token)
      throw new Error(
        "UPSTASH_REDIS_REST_URL is set but UPSTASH_REDIS_REST_TOKEN is not",
      );
    return { url, token, local: false };
  }
  const local = await startLocalUpstash();
  children.push(...local.children);
  return { url: local.url, token: local.token, local: true };
}

main().catch((err) => {
  console.error(
    `local stack failed: ${err instanceof Error ? err.message : String(err)}`,
  );
  void stopAll(1);
});
