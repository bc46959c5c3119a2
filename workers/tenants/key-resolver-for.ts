/**
 * The isolate's one tenant key resolver per configuration. The resolver's cache is
 * what spares hot keys a Redis round trip, so it must outlive a request: it is kept
 * per tenancy Redis client (itself one per isolate and URL) and cache TTL.
 */
import type { Redis } from "@upstash/redis/cloudflare";
import type { EdgeConfig } from "../env";
import { tenantKeyResolver, type TenantKeyResolver } from "./key-resolver";
import { tenancyRedis } from "./tenancy-redis";

const resolvers = new WeakMap<Redis, Map<number, TenantKeyResolver>>();

export function tenantKeyResolverFor(config: EdgeConfig): TenantKeyResolver {
  const redis = tenancyRedis(config);
  let byTtl = resolvers.get(redis);
  if (byTtl === undefined) resolvers.set(redis, (byTtl = new Map()));
  let resolver = byTtl.get(config.tenancy.cacheTtlMs);
  if (resolver === undefined) {
    resolver = tenantKeyResolver(config, redis);
    byTtl.set(config.tenancy.cacheTtlMs, resolver);
  }
  return resolver;
}
