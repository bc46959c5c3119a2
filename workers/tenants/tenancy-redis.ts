/**
 * The Upstash client for tenancy, limits and metering: one per isolate, auto-pipelined
 * (concurrent commands travel in one HTTP call), its own time budget, no silent client
 * retries (callers decide what a failure means: auth fails closed, limits follow
 * RATE_LIMIT_FAILURE_MODE, metering falls back to the queue).
 */
import { Redis } from "@upstash/redis/cloudflare";
import { ConfigError, type EdgeConfig } from "../env";

const clients = new Map<string, Redis>();

export function tenancyRedis(config: EdgeConfig): Redis {
  const redis = config.tenancy.redis;
  if (!redis) throw new ConfigError("invalid configuration: UPSTASH_REDIS_REST_URL and UPSTASH_REDIS_REST_TOKEN are required");
  const timeoutMs = config.tenancy.redisTimeoutMs;
  const id = `${redis.url}\n${redis.token}\n${timeoutMs}`;
  let client = clients.get(id);
  if (!client) {
    client = new Redis({
      url: redis.url,
      token: redis.token,
      enableAutoPipelining: true,
      enableTelemetry: false,
      retry: false,
      signal: () => AbortSignal.timeout(timeoutMs),
    });
    clients.set(id, client);
  }
  return client;
}
