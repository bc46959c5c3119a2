/**
 * Shared setup for the bridge tests: a fresh redis-server, the bridge in front of it,
 * a record of every request the bridge answered and every line it logged, and helpers
 * to talk to it raw (fetch), through @upstash/redis, or to Redis directly (ioredis).
 */
import { randomBytes } from "node:crypto";
import { Redis as UpstashRedis } from "@upstash/redis";
import { Redis as IORedis } from "ioredis";
import {
  startUpstashBridge,
  type BridgeRequestEvent,
  type UpstashBridge,
  type UpstashBridgeOptions,
} from "../../infra/local/upstash-bridge/server";
import { startRedisServer, type RedisServer } from "../support/redis-server";

export interface RawResponse {
  status: number;
  headers: Headers;
  body: unknown;
}

export interface BridgeFixture {
  redisServer: RedisServer;
  bridge: UpstashBridge;
  token: string;
  /** Every request the bridge answered, in order. */
  events: BridgeRequestEvent[];
  /** Every line the bridge logged. */
  logs: string[];
  /** An @upstash/redis client for the bridge (auto-pipelining on, as by default). */
  client(options?: {
    enableAutoPipelining?: boolean;
    token?: string;
  }): UpstashRedis;
  /** A direct ioredis connection to the same redis-server (one, made on first use), for raw bytes. */
  direct(): IORedis;
  /** POSTs `body` as JSON with the fixture's token unless `headers` says otherwise. */
  post(
    path: string,
    body: unknown,
    headers?: Record<string, string>,
  ): Promise<RawResponse>;
  stop(): Promise<void>;
}

export async function startBridgeFixture(
  options: Partial<UpstashBridgeOptions> = {},
  redisArgs: string[] = [],
): Promise<BridgeFixture> {
  const redisServer = await startRedisServer({ extraArgs: redisArgs });
  const token = `test-token-${randomBytes(12).toString("hex")}`;
  const events: BridgeRequestEvent[] = [];
  const logs: string[] = [];
  const bridge = await startUpstashBridge({
    redisUrl: redisServer.url,
    token,
    log: (line) => logs.push(line),
    onRequest: (event) => events.push(event),
    ...options,
  });
  let directConnection: IORedis | undefined;

  return {
    redisServer,
    bridge,
    token,
    events,
    logs,
    client(clientOptions = {}) {
      return new UpstashRedis({
        url: bridge.url,
        token: clientOptions.token ?? token,
        enableAutoPipelining: clientOptions.enableAutoPipelining ?? true,
        enableTelemetry: false,
        // A 5xx is an answer, not a network error, so retries would only slow tests down.
        retry: false,
      });
    },
    direct() {
      if (!directConnection) {
        directConnection = new IORedis(redisServer.url, {
          maxRetriesPerRequest: 1,
        });
        // Outage tests stop Redis under it; reconnect errors are expected there.
        directConnection.on("error", () => undefined);
      }
      return directConnection;
    },
    async post(path, body, headers = {}) {
      const response = await fetch(`${bridge.url}${path}`, {
        method: "POST",
        headers: {
          authorization: `Bearer ${token}`,
          "content-type": "application/json",
          ...headers,
        },
        body: typeof body === "string" ? body : JSON.stringify(body),
      });
      const text = await response.text();
      return {
        status: response.status,
        headers: response.headers,
        body: JSON.parse(text) as unknown,
      };
    },
    async stop() {
      directConnection?.disconnect();
      await bridge.close();
      await redisServer.stop();
    },
  };
}

/** The base64 of a string's UTF-8 bytes, as the bridge writes it. */
export function b64(text: string | Buffer): string {
  return (typeof text === "string" ? Buffer.from(text, "utf8") : text).toString(
    "base64",
  );
}
