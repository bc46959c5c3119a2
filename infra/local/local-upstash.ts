/**
 * An ephemeral Upstash stand-in for the local stack and the benchmarks: redis-server on
 * a free port (nothing saved to disk) behind the local Upstash REST bridge, each its own
 * child process.
 */
import { spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import path from "node:path";
import { REPO_ROOT } from "./build-worker";
import { startChild, waitForHttp, type Child } from "./children";
import { freePort } from "./free-port";

export interface LocalUpstash {
  url: string;
  token: string;
  children: Child[];
  /** The redis-server behind the bridge, `redis://127.0.0.1:PORT` (benchmarks count its commands). */
  redisUrl: string;
}

export async function startLocalUpstash(): Promise<LocalUpstash> {
  if (spawnSync("redis-server", ["--version"]).error) {
    throw new Error(
      "redis-server not found: install it with 'apt-get install redis-server', or set UPSTASH_REDIS_REST_URL",
    );
  }
  const redisPort = await freePort();
  const redis = startChild("redis", "redis-server", [
    "--port",
    String(redisPort),
    "--bind",
    "127.0.0.1",
    "--save",
    "",
    "--appendonly",
    "no",
  ]);
  const token = randomBytes(24).toString("base64url");
  const bridgePort = await freePort();
  const bridge = startChild(
    "upstash-bridge",
    path.join(REPO_ROOT, "node_modules/.bin/tsx"),
    [
      path.join(REPO_ROOT, "infra/local/upstash-bridge/main.ts"),
      "--redis-url",
      `redis://127.0.0.1:${redisPort}`,
      "--port",
      String(bridgePort),
    ],
    { UPSTASH_REDIS_REST_TOKEN: token },
  );
  const url = `http://127.0.0.1:${bridgePort}`;
  try {
    // The bridge needs a token for everything; a 401 to an anonymous probe means it is up.
    await waitForHttp(url, bridge, 60_000, (status) => status === 401);
  } catch (err) {
    await Promise.all([bridge.stop(), redis.stop()]);
    throw err;
  }
  return {
    url,
    token,
    children: [redis, bridge],
    redisUrl: `redis://127.0.0.1:${redisPort}`,
  };
}
