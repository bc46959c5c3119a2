/**
 * The composition root: every long-lived service of an isolate is built here, once, from
 * the Worker's `env`, and nowhere else. Routes reach them through the `init` middleware
 * (`c.get("services")`), queue consumers and the Durable Objects (IndexJobs, Batches) through
 * `servicesFor(env)`. Nothing else parses configuration or keeps state at module level;
 * a test that needs fresh state builds fresh services with `createServices`.
 *
 * To add a service: write its `createX(deps)` factory in its own folder, taking what it
 * needs (config slice, clients, other services) as arguments, and add one line below
 * that calls it. If it needs the main Upstash database, build it in `tenancy()` so a
 * deployment without one still serves /healthz and /readyz and fails on use with a
 * ConfigError naming the variables.
 */
import type { Redis } from "@upstash/redis/cloudflare";
import { createUpstashClient } from "./upstash/redis-client";
import { createSingleFlight, type SingleFlight } from "./cache/single-flight";
import { createCacheStores, type CacheStores } from "./cache/vector-cache";
import {
  createEmbeddingsService,
  type EmbeddingsService,
} from "./embeddings/embeddings-service";
import { ConfigError, configFrom, type EdgeConfig, type RawEnv } from "./env";
import { BULK_LANE, createBulkLane } from "./gpu/bulk-lane";
import { createCircuitBreakers } from "./gpu/circuit-breaker";
import { createEngineResolver } from "./gpu/engines/detect-engine";
import { createGpuPool, type GpuPool } from "./gpu/pool";
import { createAdmission, type Admission } from "./limits/admission";
import {
  createUsageRecorder,
  type UsageRecorder,
} from "./metering/usage-recorder";
import type { UsageQueue } from "./metering/meter-request";
import {
  tenantKeyResolver,
  type TenantKeyResolver,
} from "./tenants/key-resolver";
import { TenantStore } from "./tenants/store";
import { WebhookSecretStore } from "./tenants/webhook-secret-store";

/** What the services read from the Worker's `env`: its variables (parsed by env.ts) and the usage queue. */
export type ServicesEnv = RawEnv & { USAGE_QUEUE?: UsageQueue };

/** The services built on the main Upstash database (tenants, keys, limits, usage). */
export interface TenancyServices {
  /** JSON replies, TENANCY_REDIS_TIMEOUT_MS per call. */
  redis: Redis;
  keyResolver: TenantKeyResolver;
  admission: Admission;
  usage: UsageRecorder;
  embeddings: EmbeddingsService;
  tenants: TenantStore;
  webhookSecrets: WebhookSecretStore;
}

export interface Services {
  config: EdgeConfig;
  /** Interactive lane. */
  gpu: GpuPool;
  /** Bulk lane for indexing jobs: same endpoints and breakers, paced (gpu/bulk-lane.ts). */
  bulkGpu: GpuPool["embed"];
  /** L1 LRU and the L3 client. */
  cache: CacheStores;
  /** Identical misses in flight are computed once, across both lanes. */
  singleFlight: SingleFlight;
  /**
   * Built on first use; throws ConfigError (a 500 naming the variables, logged as
   * `kind: "config"`) when UPSTASH_REDIS_REST_URL/TOKEN are not set.
   */
  tenancy(): TenancyServices;
}

/** Builds a fresh set of services from `env`; throws ConfigError when the configuration is invalid. */
export function createServices(env: ServicesEnv): Services {
  const config = configFrom(env);
  // One breaker per endpoint for both lanes: a dead endpoint is dead for jobs too.
  const breakers = createCircuitBreakers();
  // Likewise one engine per endpoint, detected at most once per isolate for both lanes.
  const engines = createEngineResolver(config.gpu.engines);
  const gpu = createGpuPool(config.gpu, { breakers, engines });
  const bulkGpu = createBulkLane(
    createGpuPool(config.indexing.bulkGpu, {
      breakers,
      engines,
      lane: BULK_LANE,
    }),
    {
      maxShare: config.indexing.bulkGpuMaxShare,
    },
  );
  const cache = createCacheStores(config.cache, config.modelRevision);
  const singleFlight = createSingleFlight();

  let tenancy: TenancyServices | undefined;
  const buildTenancy = (): TenancyServices => {
    const db = config.tenancy.redis;
    if (!db)
      throw new ConfigError(
        "invalid configuration: UPSTASH_REDIS_REST_URL and UPSTASH_REDIS_REST_TOKEN are required",
      );
    const redis = createUpstashClient(
      db,
      config.tenancy.redisTimeoutMs,
      "json",
    );
    const keyResolver = tenantKeyResolver(config, redis);
    const admission = createAdmission(redis, {
      failureMode: config.tenancy.rateLimitFailureMode,
      timeoutMs: config.tenancy.redisTimeoutMs,
    });
    const usage = createUsageRecorder({
      redis,
      queue: env.USAGE_QUEUE,
      admission,
    });
    const embeddings = createEmbeddingsService({
      cache,
      gpu,
      singleFlight,
      contextLength: config.contextLength,
      rateLimits: config.tenancy.rateLimits,
      admission,
      usage,
    });
    const tenants = new TenantStore(redis, { keyEnv: config.tenancy.keyEnv });
    const webhookSecrets = new WebhookSecretStore(redis);
    return {
      redis,
      keyResolver,
      admission,
      usage,
      embeddings,
      tenants,
      webhookSecrets,
    };
  };

  return {
    config,
    gpu,
    bulkGpu,
    cache,
    singleFlight,
    tenancy: () => (tenancy ??= buildTenancy()),
  };
}

/**
 * The one piece of module-level state in the edge: the services of each `env` object.
 * workerd hands every request, queue batch and Durable Object call of an isolate the
 * same `env` object, so keying by its identity builds services once per isolate (what
 * keeps breakers, L1, key cache and connections warm across requests), while Miniflare
 * instances or tests with other vars get their own. A WeakMap, so a discarded env's
 * services go with it; a failed build is not cached (each request fails closed again).
 * It lives here rather than in index.ts because the Durable Object classes, which index.ts
 * re-exports, need it too.
 */
const servicesByEnv = new WeakMap<object, Services>();

export function servicesFor(env: ServicesEnv): Services {
  let services = servicesByEnv.get(env);
  if (services === undefined) {
    services = createServices(env);
    servicesByEnv.set(env, services);
  }
  return services;
}
