/**
 * A real redis-server on a free port with the Upstash REST bridge in front of it: the
 * L3 tier the edge talks to in tests, exactly as it talks to Upstash in production.
 */
import { startRedisServer, type RedisServer } from "./redis-server";
import { startUpstashBridge, type UpstashBridge } from "../../infra/local/upstash-bridge/server";

export const BRIDGE_TOKEN = "test-bridge-token-0123456789";

export interface CacheStack {
  redis: RedisServer;
  bridge: UpstashBridge;
  /** Worker vars pointing the edge's L3 at the bridge. */
  vars: Record<string, string>;
  close(): Promise<void>;
}

export async function startCacheStack(): Promise<CacheStack> {
  const redis = await startRedisServer();
  const bridge = await startUpstashBridge({ redisUrl: redis.url, token: BRIDGE_TOKEN, port: 0, log: () => undefined });
  return {
    redis,
    bridge,
    vars: { UPSTASH_REDIS_REST_URL: bridge.url, UPSTASH_REDIS_REST_TOKEN: BRIDGE_TOKEN },
    async close() {
      await bridge.close();
      await redis.stop();
    },
  };
}
