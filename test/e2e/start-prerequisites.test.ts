/** `npm start` on a machine without redis-server says so in one line and how to fix it. */
import { spawnSync } from "node:child_process";
import { mkdtempSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { expect, it } from "vitest";
import { REPO_ROOT } from "../../infra/local/build-worker";
import { freePort } from "../../infra/local/free-port";

it("exits 1 with a one-line install hint when redis-server is missing", () => {
  // A PATH holding node alone (node may live beside redis-server, e.g. in /usr/bin).
  const bin = mkdtempSync(path.join(tmpdir(), "node-only-"));
  symlinkSync(process.execPath, path.join(bin, "node"));
  const result = spawnSync(
    process.execPath,
    [
      path.join(REPO_ROOT, "node_modules/tsx/dist/cli.mjs"),
      path.join(REPO_ROOT, "infra/local/start.ts"),
    ],
    {
      env: {
        PATH: bin,
        HOME: process.env.HOME ?? "/tmp",
        GPU_WORKER_URLS: "http://127.0.0.1:9",
        PORT: "1",
      },
      encoding: "utf8",
      timeout: 60_000,
    },
  );
  expect(result.status).toBe(1);
  expect(result.stderr).toContain(
    "local stack failed: redis-server not found: install it with 'apt-get install redis-server', or set UPSTASH_REDIS_REST_URL\n",
  );
});

it("stops at once, naming the variable, when the Worker refuses its configuration", async () => {
  const port = await freePort();
  const result = spawnSync(
    process.execPath,
    [
      path.join(REPO_ROOT, "node_modules/tsx/dist/cli.mjs"),
      path.join(REPO_ROOT, "infra/local/start.ts"),
    ],
    {
      env: {
        ...process.env,
        GPU_WORKER_URLS: "http://127.0.0.1:9",
        GPU_WORKER_ENGINES: "bogus",
        PORT: String(port),
      },
      encoding: "utf8",
      timeout: 90_000,
    },
  );
  expect(result.status).toBe(1);
  expect(result.stderr).toContain(
    "local stack failed: the Worker refused its configuration (its [edge] ConfigError log line names the variable)\n",
  );
  expect(result.stdout + result.stderr).toContain(
    "ConfigError: invalid configuration: GPU_WORKER_ENGINES",
  );
}, 120_000);
