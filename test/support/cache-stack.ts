/**
 * A real redis-server on a free port with the Upstash REST bridge in front of it: the
 * L3 tier the edge talks to in tests, exactly as it talks to Upstash in production.
 */
import { startRedisServer, type RedisServer } from "./redis-server";
import {
  startUpstashBridge,
  type BridgeRequestEvent,
  type UpstashBridge,
} from "../../infra/local/upstash-bridge/server";

export const BRIDGE_TOKEN = "test-bridge-token-0123456789";

export interface CacheStack {
  redis: RedisServer;
  /** The bridge now running (replaced by startBridge after stopBridge). */
  bridge: UpstashBridge;
  /** An Upstash outage with its data intact: the REST endpoint goes away, Redis keeps it all. */
  stopBridge(): Promise<void>;
  /** The bridge back on the same URL. */
  startBridge(): Promise<void>;
  /** Worker vars pointing the edge's L3 at the bridge. */
  vars: Record<string, string>;
  close(): Promise<void>;
}

/** `onRequest` sees every request the bridge answered (command names, never arguments). */
export async function startCacheStack(
  options: { onRequest?: (event: BridgeRequestEvent) => void } = {},
): Promise<CacheStack> {
  const redis = await startRedisServer();
  const onRequest = options.onRequest;
  let bridge = await startUpstashBridge({
    redisUrl: redis.url,
    token: BRIDGE_TOKEN,
    port: 0,
    log: () => undefined,
    ...(onRequest ? { onRequest } : {}),
  });
  const port = bridge.port;
  return {
    redis,
    get bridge() {
      return bridge;
    },
    stopBridge: () => bridge.close(),
    async startBridge() {
      bridge = await startUpstashBridge({
        redisUrl: redis.url,
        token: BRIDGE_TOKEN,
        port,
        log: () => undefined,
        ...(onRequest ? { onRequest } : {}),
      });
    },
    vars: {
      UPSTASH_REDIS_REST_URL: bridge.url,
      UPSTASH_REDIS_REST_TOKEN: BRIDGE_TOKEN,
    },
    async close() {
      await bridge.close();
      await redis.stop();
    },
  };
}
