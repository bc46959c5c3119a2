/**
 * The cache one request uses: its scope (the tenant, or the deployment under
 * `CACHE_SCOPE=global`), the tiers this deployment has (L3 only with Upstash
 * configured), and the request's `cache-control`: `no-cache` skips reads (recompute and
 * refresh), `no-store` skips writes.
 */
import type { CacheConfig } from "../env";
import type { VectorCache } from "../embeddings/pipeline";
import { cacheKeysFor, GLOBAL_SCOPE, tenantScope } from "./cache-key";
import { isolateLru, l1MemoryTier } from "./l1-memory-tier";
import { l2CacheApiTier } from "./l2-cache-api-tier";
import { l3RedisTier, WRITE_BACK_WAIT_MS } from "./l3-redis-tier";
import { writeBackQueueFor } from "./write-back-queue-for";
import { upstashClient } from "./redis-client";
import type { CacheTier } from "./tier";
import { TieredCache } from "./tiered-cache";

export interface RequestCacheOptions {
  config: CacheConfig;
  modelRevision: string;
  tenantId: string;
  cacheControl: string | undefined;
  background(work: Promise<unknown>): void;
  timed<T>(metric: string, step: () => Promise<T>): Promise<T>;
  requestId: string;
}

function parseCacheControl(header: string | undefined): { read: boolean; write: boolean } {
  const directives = new Set((header ?? "").split(",").map((d) => d.trim().toLowerCase()));
  return { read: !directives.has("no-cache"), write: !directives.has("no-store") };
}

function cacheTiersFor(config: CacheConfig): CacheTier[] {
  const tiers: CacheTier[] = [];
  if (config.l1MaxBytes > 0) tiers.push(l1MemoryTier(isolateLru(config.l1MaxBytes)));
  tiers.push(l2CacheApiTier(caches.default, config.ttlSeconds));
  if (config.redis) {
    const client = upstashClient(config.redis, config.tierTimeoutMs, "raw");
    tiers.push(l3RedisTier(client, writeBackQueueFor(client, config.ttlSeconds)));
  }
  return tiers;
}

export function vectorCacheFor(options: RequestCacheOptions): VectorCache {
  const { config } = options;
  const scope = config.scope === "global" ? GLOBAL_SCOPE : tenantScope(options.tenantId);
  const control = parseCacheControl(options.cacheControl);
  const tiered = new TieredCache({
    tiers: cacheTiersFor(config),
    timeoutMs: config.tierTimeoutMs,
    writeWaitMs: WRITE_BACK_WAIT_MS,
    dtype: config.recordDtype,
    background: options.background,
    timed: options.timed,
    requestId: options.requestId,
  });
  return {
    keysFor: (modelInputs) => cacheKeysFor({ scope, modelRevision: options.modelRevision, modelInputs }),
    lookup: async (keys) =>
      control.read ? tiered.lookup(keys) : { records: keys.map(() => undefined), hitsByTier: { l1: 0, l2: 0, l3: 0 } },
    store: (entries) => {
      if (control.write) tiered.store(entries);
    },
  };
}
