/**
 * The vector cache: its long-lived stores (the isolate's L1 LRU and the L3 Upstash
 * client, built once per isolate by workers/services.ts), and the view one request
 * uses: its scope (the tenant, or the deployment under `CACHE_SCOPE=global`), the tiers
 * this deployment has (L3 only with Upstash configured), and the request's
 * `cache-control`: `no-cache` skips reads (recompute and refresh), `no-store` skips
 * writes.
 */
import type { Redis } from "@upstash/redis/cloudflare";
import type { CacheConfig } from "../env";
import {
  cacheKeysFor,
  GLOBAL_SCOPE,
  tenantScope,
  type ModelInput,
} from "./cache-key";
import { createL1Lru, l1MemoryTier } from "./l1-memory-tier";
import { l2CacheApiTier } from "./l2-cache-api-tier";
import {
  createWriteBackQueue,
  l3RedisTier,
  WRITE_BACK_WAIT_MS,
  type WriteBackQueue,
} from "./l3-redis-tier";
import type { ByteBoundedLru } from "../memory/byte-bounded-lru";
import type { CacheRecord } from "./record";
import { createUpstashClient } from "../upstash/redis-client";
import type { CacheTier } from "./tier";
import { TieredCache, type LookupResult } from "./tiered-cache";

/** The cache as the embeddings pipeline uses it: keys, one lookup, a background write-back. */
export interface VectorCache {
  /** One key per model input, in order (cache-key.ts). */
  keysFor(modelInputs: readonly ModelInput[]): Promise<string[]>;
  /** Absent records are misses; `cache-control: no-cache` makes every input one. */
  lookup(keys: readonly string[]): Promise<LookupResult>;
  /** Background write-back; a no-op under `cache-control: no-store`. */
  store(entries: readonly { key: string; record: CacheRecord }[]): void;
}

/** What outlives a request: the cache's configuration and its isolate-wide stores. */
export interface CacheStores {
  config: CacheConfig;
  modelRevision: string;
  /** Absent when CACHE_L1_MAX_BYTES is 0. */
  l1?: ByteBoundedLru<CacheRecord>;
  /** The L3 client (raw replies) and its write-back queue; absent without an Upstash database for the cache. */
  l3?: { redis: Redis; writeBack: WriteBackQueue };
}

/** Builds the stores once per isolate (no network: clients connect on first use). */
export function createCacheStores(
  config: CacheConfig,
  modelRevision: string,
): CacheStores {
  return {
    config,
    modelRevision,
    ...(config.l1MaxBytes > 0 ? { l1: createL1Lru(config.l1MaxBytes) } : {}),
    ...(config.redis
      ? {
          l3: l3Stores(
            createUpstashClient(config.redis, config.tierTimeoutMs, "raw"),
            config.ttlSeconds,
          ),
        }
      : {}),
  };
}

function l3Stores(
  redis: Redis,
  ttlSeconds: number,
): { redis: Redis; writeBack: WriteBackQueue } {
  return { redis, writeBack: createWriteBackQueue(redis, ttlSeconds) };
}

/** The per-request bits of a cache view. */
export interface RequestCacheOptions {
  tenantId: string;
  cacheControl: string | undefined;
  background(work: Promise<unknown>): void;
  timed<T>(metric: string, step: () => Promise<T>): Promise<T>;
  requestId: string;
}

function parseCacheControl(header: string | undefined): {
  read: boolean;
  write: boolean;
} {
  const directives = new Set(
    (header ?? "").split(",").map((d) => d.trim().toLowerCase()),
  );
  return {
    read: !directives.has("no-cache"),
    write: !directives.has("no-store"),
  };
}

function cacheTiersOf(stores: CacheStores): CacheTier[] {
  const tiers: CacheTier[] = [];
  if (stores.l1) tiers.push(l1MemoryTier(stores.l1));
  // Read per request: `caches` is a workerd global, absent where services are built in Node tests.
  tiers.push(l2CacheApiTier(caches.default, stores.config.ttlSeconds));
  if (stores.l3) tiers.push(l3RedisTier(stores.l3.redis, stores.l3.writeBack));
  return tiers;
}

/** The cache as one request sees it. */
export function requestVectorCache(
  stores: CacheStores,
  options: RequestCacheOptions,
): VectorCache {
  const { config } = stores;
  const scope =
    config.scope === "global" ? GLOBAL_SCOPE : tenantScope(options.tenantId);
  const control = parseCacheControl(options.cacheControl);
  const tiered = new TieredCache({
    tiers: cacheTiersOf(stores),
    timeoutMs: config.tierTimeoutMs,
    writeWaitMs: WRITE_BACK_WAIT_MS,
    dtype: config.recordDtype,
    background: options.background,
    timed: options.timed,
    requestId: options.requestId,
  });
  return {
    keysFor: (modelInputs) =>
      cacheKeysFor({ scope, modelRevision: stores.modelRevision, modelInputs }),
    lookup: async (keys) =>
      control.read
        ? tiered.lookup(keys)
        : {
            records: keys.map(() => undefined),
            hitsByTier: { l1: 0, l2: 0, l3: 0 },
          },
    store: (entries) => {
      if (control.write) tiered.store(entries);
    },
  };
}
