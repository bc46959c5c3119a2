/**
 * CLI for the local Upstash REST bridge:
 *
 *   tsx infra/local/upstash-bridge/main.ts --redis-url redis://127.0.0.1:6380 --token dev-token [--port 8079] [--host 127.0.0.1]
 *
 * Flags win over the environment (REDIS_URL, UPSTASH_REDIS_REST_TOKEN). Prints the
 * bridge's URL on stdout (logs go to stderr) and shuts down cleanly on SIGINT/SIGTERM.
 */
import { parseArgs } from "node:util";
import { startUpstashBridge } from "./server";

const USAGE =
  "usage: main.ts --redis-url <redis://host:port> --token <token> [--port <n>] [--host <addr>]\n" +
  "       (or REDIS_URL and UPSTASH_REDIS_REST_TOKEN in the environment)";

function fail(message: string): never {
  process.stderr.write(`upstash-bridge: ${message}\n${USAGE}\n`);
  process.exit(2);
}

function parsePort(value: string | undefined): number {
  if (value === undefined) return 0;
  const port = Number(value);
  if (!Number.isInteger(port) || port < 0 || port > 65_535)
    fail(`invalid --port '${value}'`);
  return port;
}

async function main(): Promise<void> {
  let values: {
    "redis-url"?: string;
    token?: string;
    port?: string;
    host?: string;
  };
  try {
    ({ values } = parseArgs({
      options: {
        "redis-url": { type: "string" },
        token: { type: "string" },
        port: { type: "string" },
        host: { type: "string" },
      },
    }));
  } catch (error) {
    fail(error instanceof Error ? error.message : String(error));
  }

  // No defaults for either: a bridge must not silently front some other Redis, nor run
  // open or with a guessable token.
  const redisUrl = values["redis-url"] ?? process.env.REDIS_URL;
  const token = values.token ?? process.env.UPSTASH_REDIS_REST_TOKEN;
  if (!redisUrl) fail("missing --redis-url (or REDIS_URL)");
  if (!token) fail("missing --token (or UPSTASH_REDIS_REST_TOKEN)");

  const bridge = await startUpstashBridge({
    redisUrl,
    token,
    port: parsePort(values.port),
    host: values.host ?? "127.0.0.1",
  });
  process.stdout.write(`${bridge.url}\n`);

  let stopping = false;
  const shutdown = (signal: string) => {
    // A second signal while closing means "now".
    if (stopping) process.exit(1);
    stopping = true;
    process.stderr.write(`[upstash-bridge] ${signal}: shutting down\n`);
    bridge.close().then(
      () => process.exit(0),
      (error: unknown) => {
        process.stderr.write(
          `[upstash-bridge] shutdown failed: ${String(error)}\n`,
        );
        process.exit(1);
      },
    );
  };
  process.on("SIGINT", () => shutdown("SIGINT"));
  process.on("SIGTERM", () => shutdown("SIGTERM"));
}

main().catch((error: unknown) => {
  process.stderr.write(
    `upstash-bridge: ${error instanceof Error ? error.message : String(error)}\n`,
  );
  process.exit(1);
});
