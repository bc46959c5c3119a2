/**
 * The edge's deployed environments: both repeat every top-level var (wrangler does not
 * inherit [vars]), bind nothing that does not exist yet, build with
 * `wrangler deploy --dry-run` offline and without a login, and stay under 3 MiB
 * gzipped. provision.sh never puts a secret on a command line or in its output.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { gzipSync } from "node:zlib";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { unstable_readConfig } from "wrangler";
import { buildAssets } from "../../infra/local/build-assets";
import { repoPath, run } from "./repo-files";

const ENVIRONMENTS = ["staging", "production"] as const;
const MAX_GZIPPED_BYTES = 3 * 1024 * 1024;
const scratch = mkdtempSync(path.join(tmpdir(), "wrangler-dry-run-"));
// A deploy uploads wrangler.toml's [assets] folder, so it must exist, as provision.sh
// makes sure by building it first.
beforeAll(() => buildAssets(), 60_000);
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

const offline = {
  WRANGLER_SEND_METRICS: "false",
  CI: "true",
  // No account: a dry run must not need one.
  CLOUDFLARE_API_TOKEN: undefined,
  CLOUDFLARE_ACCOUNT_ID: undefined,
};

function readConfig(env?: string) {
  return unstable_readConfig({ config: repoPath("wrangler.toml"), env });
}

describe.each(ENVIRONMENTS)("[env.%s]", (environment) => {
  const top = readConfig();
  const config = readConfig(environment);

  it("has its own Worker name and every top-level var", () => {
    expect(config.name).toBe(`qwen3-embeddings-${environment}`);
    expect(Object.keys(config.vars).sort()).toEqual(
      Object.keys(top.vars).sort(),
    );
    for (const [key, value] of Object.entries(top.vars)) {
      if (key !== "GPU_WORKER_URLS")
        expect(config.vars[key], key).toEqual(value);
    }
  });

  it("never points at a local GPU worker and binds exactly the resources provision.sh creates", () => {
    expect(config.vars.GPU_WORKER_URLS).toBe("");
    expect(config.kv_namespaces).toEqual([]);
    expect(
      config.r2_buckets.map((b: { binding: string; bucket_name?: string }) => [
        b.binding,
        b.bucket_name,
      ]),
    ).toEqual([["INDEX_RESULTS", `qwen3-index-${environment}`]]);
    expect(config.durable_objects.bindings).toEqual([
      { name: "INDEX_JOBS", class_name: "IndexJobs" },
      { name: "BATCHES", class_name: "Batches" },
    ]);
    expect(top.migrations).toEqual([
      { tag: "v1", new_sqlite_classes: ["IndexJobs"] },
      { tag: "v2", new_sqlite_classes: ["Batches"] },
    ]);
    // provision.sh creates "<name>-<env>" for each of: qwen3-usage qwen3-usage-dlq qwen3-index qwen3-index-dlq
    // qwen3-batch qwen3-batch-dlq, and the bucket qwen3-index.
    expect(
      (config.queues.producers ?? []).map(
        (p: { binding: string; queue: string }) => [p.binding, p.queue],
      ),
    ).toEqual([
      ["USAGE_QUEUE", `qwen3-usage-${environment}`],
      ["INDEX_QUEUE", `qwen3-index-${environment}`],
      ["BATCH_QUEUE", `qwen3-batch-${environment}`],
    ]);
    type Consumer = {
      queue: string;
      dead_letter_queue?: string;
      max_retries?: number;
      max_concurrency?: number;
    };
    expect(
      (config.queues.consumers ?? []).map((c: Consumer) => [
        c.queue,
        c.dead_letter_queue,
        c.max_retries,
        c.max_concurrency,
      ]),
    ).toEqual([
      [
        `qwen3-usage-${environment}`,
        `qwen3-usage-dlq-${environment}`,
        10,
        undefined,
      ],
      [`qwen3-index-${environment}`, `qwen3-index-dlq-${environment}`, 5, 1],
      [`qwen3-index-dlq-${environment}`, undefined, 10, undefined],
      [`qwen3-batch-${environment}`, `qwen3-batch-dlq-${environment}`, 5, 1],
      [`qwen3-batch-dlq-${environment}`, undefined, 10, undefined],
    ]);
  });

  it("builds with wrangler deploy --dry-run, offline, and gzips under 3 MiB", () => {
    const outdir = path.join(scratch, environment);
    const result = run(
      "npx",
      [
        "--no-install",
        "wrangler",
        "deploy",
        "--dry-run",
        "--outdir",
        outdir,
        "--env",
        environment,
      ],
      offline,
    );
    expect(result.status, result.stderr).toBe(0);
    expect(result.stdout).toContain("--dry-run: exiting now.");
    const modules = readdirSync(outdir).filter(
      (f) => !f.endsWith(".map") && f !== "README.md",
    );
    expect(modules.length).toBeGreaterThan(0);
    const gzipped = modules.reduce(
      (sum, file) =>
        sum + gzipSync(readFileSync(path.join(outdir, file))).length,
      0,
    );
    expect(gzipped).toBeLessThanOrEqual(MAX_GZIPPED_BYTES);
  });
});

describe("infra/cloudflare/provision.sh", () => {
  it("rejects an unknown environment", () => {
    expect(
      run("bash", [repoPath("infra", "cloudflare", "provision.sh"), "prod"])
        .status,
    ).toBe(64);
  });

  it("refuses GPU_WORKER_URLS that point at this machine", () => {
    const result = run(
      "bash",
      [repoPath("infra", "cloudflare", "provision.sh"), "staging"],
      {
        GPU_WORKER_URLS: "http://127.0.0.1:8000",
        GPU_WORKER_TOKEN: "t",
        ADMIN_TOKEN: "a",
        UPSTASH_REDIS_REST_URL: "https://example.upstash.io",
        UPSTASH_REDIS_REST_TOKEN: "u",
      },
    );
    expect(result.status).toBe(64);
    expect(result.stderr).toContain("points at this machine");
  });

  it("in --dry-run builds the bundle and names the secrets it would upload, never their values", () => {
    const secrets = {
      GPU_WORKER_TOKEN: "gpu-token-SECRET-1",
      ADMIN_TOKEN: "admin-token-SECRET-2",
      UPSTASH_REDIS_REST_TOKEN: "upstash-SECRET-3",
    };
    const result = run(
      "bash",
      [repoPath("infra", "cloudflare", "provision.sh"), "staging", "--dry-run"],
      {
        ...offline,
        ...secrets,
        GPU_WORKER_URLS: "https://example.api.runpod.ai",
        UPSTASH_REDIS_REST_URL: "https://example.upstash.io",
      },
    );
    expect(result.status, result.stderr).toBe(0);
    expect(result.stdout).toContain(
      "secrets: ADMIN_TOKEN, GPU_WORKER_TOKEN, UPSTASH_REDIS_REST_TOKEN, UPSTASH_REDIS_REST_URL",
    );
    expect(result.stdout).toMatch(/bundle builds: \d+ file\(s\)/);
    for (const value of Object.values(secrets))
      expect(result.stdout + result.stderr).not.toContain(value);
  });
});
