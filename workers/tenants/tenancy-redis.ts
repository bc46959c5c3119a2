/**
 * The Upstash client for tenancy, limits and metering: the main database (never the
 * cache's own, which may evict), with the tenancy time budget (cache/redis-client.ts).
 */
import type { Redis } from "@upstash/redis/cloudflare";
import { upstashClient } from "../cache/redis-client";
import { ConfigError, type EdgeConfig } from "../env";

export function tenancyRedis(config: EdgeConfig): Redis {
  const db = config.tenancy.redis;
  if (!db) throw new ConfigError("invalid configuration: UPSTASH_REDIS_REST_URL and UPSTASH_REDIS_REST_TOKEN are required");
  return upstashClient(db, config.tenancy.redisTimeoutMs, "json");
}
