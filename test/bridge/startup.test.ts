// Starting and stopping the bridge: as a library (fail closed on bad config) and as
// the CLI `npm start` and developers run.
import { spawn } from "node:child_process";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startUpstashBridge } from "../../infra/local/upstash-bridge/server";
import {
  freePort,
  startRedisServer,
  type RedisServer,
} from "../support/redis-server";

const MAIN = path.resolve(
  import.meta.dirname,
  "../../infra/local/upstash-bridge/main.ts",
);
const TSX = path.resolve(import.meta.dirname, "../../node_modules/.bin/tsx");

let redisServer: RedisServer;
beforeAll(async () => {
  redisServer = await startRedisServer();
});
afterAll(async () => {
  await redisServer?.stop();
});

describe("startUpstashBridge", () => {
  it("refuses to start when Redis is unreachable, without printing the Redis password", async () => {
    const port = await freePort();
    const logs: string[] = [];
    const started = Date.now();
    await expect(
      startUpstashBridge({
        redisUrl: `redis://:hunter2@127.0.0.1:${port}`,
        token: "t",
        connectTimeoutMs: 1_000,
        log: (line) => logs.push(line),
      }),
    ).rejects.toThrow(`cannot reach redis at redis://:***@127.0.0.1:${port}`);
    expect(Date.now() - started).toBeLessThan(2_000);
    expect(logs.join("\n")).not.toContain("hunter2");
  });

  it("refuses an empty token", async () => {
    await expect(
      startUpstashBridge({ redisUrl: redisServer.url, token: "" }),
    ).rejects.toThrow("the bridge token must not be empty");
  });

  it("listens on the requested port; close() is idempotent and frees it", async () => {
    const port = await freePort();
    const bridge = await startUpstashBridge({
      redisUrl: redisServer.url,
      token: "t",
      port,
      log: () => undefined,
    });
    expect(bridge).toMatchObject({ port, url: `http://127.0.0.1:${port}` });
    const ping = await fetch(bridge.url, {
      method: "POST",
      headers: { authorization: "Bearer t" },
      body: '["PING"]',
    });
    expect(await ping.json()).toEqual({ result: "PONG" });
    await Promise.all([bridge.close(), bridge.close()]);
    await expect(
      fetch(bridge.url, { method: "POST", body: "[]" }),
    ).rejects.toThrow();
  });
});

describe("main.ts (CLI)", () => {
  function run(args: string[], env: Record<string, string> = {}) {
    const child = spawn(TSX, [MAIN, ...args], {
      env: {
        PATH: process.env.PATH ?? "",
        HOME: process.env.HOME ?? "",
        ...env,
      },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
    const exited = new Promise<number | null>((resolve) =>
      child.once("exit", (code) => resolve(code)),
    );
    return { child, exited, output: () => ({ stdout, stderr }) };
  }

  it("prints its URL, serves requests, and exits 0 on SIGTERM without logging the token", async () => {
    const token = "cli-secret-token-123";
    const cli = run(["--redis-url", redisServer.url, "--port", "0"], {
      UPSTASH_REDIS_REST_TOKEN: token,
    });
    const deadline = Date.now() + 30_000;
    while (!cli.output().stdout.includes("\n") && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    const url = cli.output().stdout.trim();
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);

    const response = await fetch(url, {
      method: "POST",
      headers: { authorization: `Bearer ${token}` },
      body: '["ECHO","hi"]',
    });
    expect(await response.json()).toEqual({ result: "hi" });

    cli.child.kill("SIGTERM");
    expect(await cli.exited).toBe(0);
    expect(cli.output().stderr).toContain("SIGTERM: shutting down");
    expect(cli.output().stderr).not.toContain(token);
  });

  it("exits 2 with usage when the token is missing", async () => {
    const cli = run(["--redis-url", redisServer.url]);
    expect(await cli.exited).toBe(2);
    expect(cli.output().stderr).toContain(
      "upstash-bridge: missing --token (or UPSTASH_REDIS_REST_TOKEN)",
    );
    expect(cli.output().stderr).toContain("usage: main.ts --redis-url");
  });
});
