/**
 * Typed, validated configuration. The Worker's bindings are parsed here, called once
 * per isolate and env object by the composition root (services.ts); nothing else reads
 * `env` directly. A bad value fails closed
 * with a message naming the variable (never its value, which may be a secret).
 */
import { z } from "zod";
import { ENGINE_NAMES, type EngineName } from "./gpu/engines/engine-adapter";
import type { GpuPoolConfig } from "./gpu/pool-config";

import {
  DEFAULT_CONTEXT_LENGTH,
  MAX_INPUTS_PER_REQUEST,
  UPSTREAM_MODEL_ID,
} from "./model";

const csv = z.string().transform((s) =>
  s
    .split(",")
    .map((p) => p.trim())
    .filter((p) => p.length > 0),
);
const intIn = (min: number, max: number, fallback: number) =>
  z.coerce.number().int().min(min).max(max).default(fallback);

/** Chunk sizes a job may ask for: at least a sentence, at most what one GPU call takes comfortably. */
export const MIN_CHUNK_TOKENS = 32;
export const MAX_CHUNK_TOKENS = 8192;
/** Standard Webhooks' recommended schedule after the first attempt (which is immediate). */
const DEFAULT_CALLBACK_SCHEDULE = "5s,5m,30m,2h,5h,10h,10h";
const DURATION_UNITS_MS: Record<string, number> = {
  ms: 1,
  s: 1000,
  m: 60_000,
  h: 3_600_000,
};

/** `5s,5m,2h` -> [5000, 300000, 7200000]; null if any item is not `<int><ms|s|m|h>` or exceeds 24 h. */
export function parseDurationList(text: string): number[] | null {
  const items = text
    .split(",")
    .map((p) => p.trim())
    .filter((p) => p.length > 0);
  const delays: number[] = [];
  for (const item of items) {
    const match = /^(\d{1,9})(ms|s|m|h)$/.exec(item);
    if (!match) return null;
    const ms = Number(match[1]) * DURATION_UNITS_MS[match[2]!]!;
    if (ms > 24 * 3_600_000) return null;
    delays.push(ms);
  }
  return delays.length > 0 ? delays : null;
}

/**
 * `*`, or `https://a.example, http://localhost:3000` -> the exact origins (scheme, host,
 * port: what a browser sends in `Origin`); null if an item is not such an origin.
 */
export function parseOriginList(text: string): "*" | string[] | null {
  if (text.trim() === "*") return "*";
  const items = text
    .split(",")
    .map((p) => p.trim())
    .filter((p) => p.length > 0);
  const valid = (item: string) => {
    try {
      const url = new URL(item);
      return (
        url.origin === item &&
        (url.protocol === "https:" || url.protocol === "http:")
      );
    } catch {
      return false;
    }
  };
  return items.length > 0 && items.every(valid) ? items : null;
}

const EnvSchema = z.object({
  GPU_WORKER_URLS: csv.pipe(z.array(z.url({ protocol: /^https?$/ })).min(1)),
  GPU_WORKER_ENGINES: csv.pipe(z.array(z.enum(ENGINE_NAMES))).optional(),
  GPU_WORKER_TOKEN: z.string().min(1).optional(),
  GPU_WORKER_HEADERS: z
    .string()
    .transform((text, ctx) => {
      try {
        return JSON.parse(text) as unknown;
      } catch {
        ctx.addIssue({ code: "custom", message: "not JSON" });
        return z.NEVER;
      }
    })
    .pipe(
      z.record(
        z.string(),
        z.record(z.string().regex(/^[A-Za-z0-9-]+$/), z.string()),
      ),
    )
    .optional(),
  MODEL_REVISION: z.string().min(1).default(`${UPSTREAM_MODEL_ID}@main`),
  MAX_BODY_BYTES: intIn(1024, 100 * 1024 * 1024, 8 * 1024 * 1024),
  GPU_BATCH_MAX_INPUTS: intIn(1, MAX_INPUTS_PER_REQUEST, 256),
  GPU_BATCH_MAX_TOKENS: intIn(1024, 1_000_000, 16_384),
  GPU_MAX_CONCURRENT_BATCHES: intIn(1, 64, 4),
  GPU_CALL_TIMEOUT_MS: intIn(100, 600_000, 30_000),
  GPU_DEADLINE_MS: intIn(100, 900_000, 60_000),
  GPU_MAX_RETRIES: intIn(0, 10, 3),
  GPU_CONTEXT_LENGTH: intIn(2, 1_048_576, DEFAULT_CONTEXT_LENGTH),
  UPSTASH_REDIS_REST_URL: z.url({ protocol: /^https?$/ }).optional(),
  UPSTASH_REDIS_REST_TOKEN: z.string().min(1).optional(),
  CACHE_UPSTASH_REDIS_REST_URL: z.url({ protocol: /^https?$/ }).optional(),
  CACHE_UPSTASH_REDIS_REST_TOKEN: z.string().min(1).optional(),
  CACHE_SCOPE: z.enum(["tenant", "global"]).default("tenant"),
  CACHE_TTL_SECONDS: intIn(60, 365 * 24 * 3600, 30 * 24 * 3600),
  CACHE_L1_MAX_BYTES: intIn(0, 512 * 1024 * 1024, 32 * 1024 * 1024),
  CACHE_RECORD_DTYPE: z.enum(["float16", "float32"]).default("float16"),
  CACHE_TIER_TIMEOUT_MS: intIn(1, 10_000, 100),
  // RFC 6750's b64token: what `Authorization: Bearer` can carry (middleware/admin-auth.ts).
  ADMIN_TOKEN: z
    .string()
    .min(16)
    .regex(/^[A-Za-z0-9._~+/-]+=*$/)
    .optional(),
  API_KEY_ENV: z.enum(["live", "test"]).default("live"),
  TENANT_CACHE_TTL_MS: intIn(0, 5_000, 2_000),
  RATE_LIMIT_FAILURE_MODE: z.enum(["open", "closed"]).default("open"),
  RATE_LIMITS: z.enum(["on", "off"]).default("on"),
  GPU_PRICE_USD_PER_SECOND: z.coerce.number().min(0).max(100).default(0.00019),
  GPU_TOKENS_PER_SECOND: z.coerce
    .number()
    .positive()
    .max(10_000_000)
    .default(8000),
  TENANCY_REDIS_TIMEOUT_MS: intIn(50, 10_000, 1_000),
  INDEX_MAX_DOCUMENTS: intIn(1, 10_000, 1_000),
  INDEX_MAX_DOCUMENT_BYTES: intIn(1024, 10 * 1024 * 1024, 1024 * 1024),
  INDEX_MAX_JOB_BYTES: intIn(1024, 100 * 1024 * 1024, 8 * 1024 * 1024),
  INDEX_CHUNK_MAX_TOKENS: intIn(MIN_CHUNK_TOKENS, MAX_CHUNK_TOKENS, 800),
  INDEX_CHUNK_OVERLAP_TOKENS: intIn(0, MAX_CHUNK_TOKENS / 2, 400),
  INDEX_GPU_MAX_CONCURRENT_BATCHES: intIn(1, 64, 1),
  INDEX_GPU_BATCH_MAX_TOKENS: intIn(256, 1_000_000, 1_024),
  INDEX_GPU_MAX_SHARE: z.coerce.number().min(0.05).max(1).default(0.75),
  INDEX_FETCH_TIMEOUT_MS: intIn(100, 120_000, 15_000),
  INDEX_FETCH_MAX_REDIRECTS: intIn(0, 10, 5),
  INDEX_RETRY_DELAY_SECONDS: intIn(0, 3_600, 5),
  INDEX_ALLOW_LOOPBACK_URLS: z.enum(["on", "off"]).default("off"),
  INDEX_CALLBACK_RETRY_SCHEDULE: z
    .string()
    .default(DEFAULT_CALLBACK_SCHEDULE)
    .transform((text, ctx) => {
      const delays = parseDurationList(text);
      if (delays === null) {
        ctx.addIssue({
          code: "custom",
          message: "expected a comma-separated list of durations like 5s,5m,2h",
        });
        return z.NEVER;
      }
      return delays;
    }),
  INDEX_CALLBACK_TIMEOUT_MS: intIn(100, 120_000, 15_000),
  BATCH_MAX_REQUESTS: intIn(1, 50_000, 50_000),
  BATCH_MAX_FILE_BYTES: intIn(1024, 200 * 1024 * 1024, 200 * 1024 * 1024),
  BATCH_LINES_PER_MESSAGE: intIn(1, 1_000, 100),
  BATCH_COMPLETION_WINDOW_SECONDS: intIn(1, 7 * 24 * 3600, 24 * 3600),
  BATCH_PRICE_FACTOR: z.coerce.number().min(0).max(1).default(0.5),
  CORS_ALLOWED_ORIGINS: z
    .string()
    .default("*")
    .transform((text, ctx) => {
      const origins = parseOriginList(text);
      if (origins === null) {
        ctx.addIssue({
          code: "custom",
          message:
            "expected * or a comma-separated list of origins like https://app.example.com",
        });
        return z.NEVER;
      }
      return origins;
    }),
  INDEX_DOH_URL: z
    .url({ protocol: /^https?$/ })
    .default("https://cloudflare-dns.com/dns-query"),
});

/** The Worker's `env` (typed as `Env` by `npm run types`), or any object in tests. */
export type RawEnv = object;

export interface CacheConfig {
  /** `tenant`: each tenant's vectors are its own; `global`: shared deployment-wide. */
  scope: "tenant" | "global";
  ttlSeconds: number;
  l1MaxBytes: number;
  recordDtype: "float16" | "float32";
  /** Budget for one tier's lookup or write before it is skipped for that request. */
  tierTimeoutMs: number;
  /**
   * L3: the cache's own Upstash database (CACHE_UPSTASH_*; it may evict), else the main
   * one. Absent: no L3; L1 and L2 still work.
   */
  redis?: { url: string; token: string };
}

export interface TenancyConfig {
  /** Absent: the admin API refuses every request (fail closed). */
  adminToken?: string;
  /** The `{env}` of new keys: `sk_live_…` or `sk_test_…`. */
  keyEnv: "live" | "test";
  /** How long an isolate trusts a key/tenant lookup; revocation takes at most this. */
  cacheTtlMs: number;
  /** `off` skips rate limits and quotas (benchmarks, emergencies); auth and metering stay. */
  rateLimits: boolean;
  /** With Redis unreachable: `open` admits (logged, counted once Redis is back); `closed` answers 503. */
  rateLimitFailureMode: "open" | "closed";
  /** For usage's estimated cost (GPU ms × price) and the cache's savings (cached tokens / throughput × price). */
  pricing: {
    gpuUsdPerSecond: number;
    gpuTokensPerSecond: number;
    batchPriceFactor: number;
  };
  /** Time budget of one tenancy/limits/metering Redis call. */
  redisTimeoutMs: number;
  /** The main Upstash database: tenants, keys, limits, usage (never evicting). */
  redis?: { url: string; token: string };
}

export interface IndexingConfig {
  maxDocuments: number;
  maxDocumentBytes: number;
  maxJobBytes: number;
  defaultChunking: { maxTokens: number; overlapTokens: number };
  /** The bulk lane: the same endpoints, fewer calls at once and smaller calls (gpu/bulk-lane.ts). */
  bulkGpu: GpuPoolConfig;
  /** The most of the GPU's time the bulk lane takes: after a call of t ms it pauses t × (1 − share) / share. */
  bulkGpuMaxShare: number;
  fetchTimeoutMs: number;
  fetchMaxRedirects: number;
  /** First delay before a failed document is retried; doubles per attempt, at most 5 minutes. */
  retryDelaySeconds: number;
  /** Local development only: lets document and callback URLs name loopback (http allowed there). */
  allowLoopbackUrls: boolean;
  /** Delays between callback attempts; the first attempt is immediate, one more per entry. */
  callbackRetryDelaysMs: number[];
  callbackTimeoutMs: number;
  /** DNS over HTTPS JSON endpoint that document and callback hosts are looked up at (indexing/doh-resolver.ts). */
  dohUrl: string;
}

/** OpenAI's Batch API for `/v1/embeddings` (workers/batches/). */
export interface BatchConfig {
  /** Request lines per input file: OpenAI's 50,000 at most. */
  maxRequests: number;
  /** Bytes per uploaded file: OpenAI's 200 MB at most. */
  maxFileBytes: number;
  /** Lines per `qwen3-batch` message: the consumer's unit of work and of redelivery. */
  linesPerMessage: number;
  /** How long `completion_window: "24h"` really lasts before a batch expires (tests shorten it). */
  completionWindowSeconds: number;
}

export interface EdgeConfig {
  tenancy: TenancyConfig;
  indexing: IndexingConfig;
  batch: BatchConfig;
  modelRevision: string;
  maxBodyBytes: number;
  /**
   * The GPU workers' `--context-length` in tokens. SGLang refuses an input whose token
   * count (end-of-text included) reaches it, so the edge admits at most one less.
   */
  contextLength: number;
  gpu: GpuPoolConfig;
  cache: CacheConfig;
  /** Origins allowed to call `/v1/*` from a browser (http/cors.ts): `*` or exact origins. */
  corsAllowedOrigins: "*" | string[];
}

export class ConfigError extends Error {
  override name = "ConfigError";
}

/**
 * GPU_WORKER_ENGINES as a map from URL to engine: one name per GPU_WORKER_URLS entry, in
 * the same order (empty = detect every endpoint). Undefined when unset or empty.
 */
function enginesByUrl(
  urls: string[],
  engines: EngineName[] | undefined,
): Record<string, EngineName> | undefined {
  if (engines === undefined || engines.length === 0) return undefined;
  if (engines.length !== urls.length) {
    throw new ConfigError(
      "invalid configuration: GPU_WORKER_ENGINES must name one engine per GPU_WORKER_URLS entry",
    );
  }
  return Object.fromEntries(urls.map((url, i) => [url, engines[i]!]));
}

/** Parses and checks `env`; throws ConfigError naming the offending variables (never their values). */
export function configFrom(env: RawEnv): EdgeConfig {
  const result = EnvSchema.safeParse(env);
  if (!result.success) {
    const fields = [
      ...new Set(result.error.issues.map((i) => String(i.path[0]))),
    ];
    throw new ConfigError(`invalid configuration: ${fields.join(", ")}`);
  }
  const e = result.data;
  const unknownEndpoint = Object.keys(e.GPU_WORKER_HEADERS ?? {}).find(
    (url) => !e.GPU_WORKER_URLS.includes(url),
  );
  if (unknownEndpoint !== undefined)
    throw new ConfigError(
      "invalid configuration: GPU_WORKER_HEADERS names a URL not in GPU_WORKER_URLS",
    );
  const engines = enginesByUrl(e.GPU_WORKER_URLS, e.GPU_WORKER_ENGINES);
  const main =
    e.UPSTASH_REDIS_REST_URL && e.UPSTASH_REDIS_REST_TOKEN
      ? { url: e.UPSTASH_REDIS_REST_URL, token: e.UPSTASH_REDIS_REST_TOKEN }
      : undefined;
  const cacheRedis =
    e.CACHE_UPSTASH_REDIS_REST_URL && e.CACHE_UPSTASH_REDIS_REST_TOKEN
      ? {
          url: e.CACHE_UPSTASH_REDIS_REST_URL,
          token: e.CACHE_UPSTASH_REDIS_REST_TOKEN,
        }
      : main;
  if (e.INDEX_CHUNK_OVERLAP_TOKENS * 2 > e.INDEX_CHUNK_MAX_TOKENS) {
    throw new ConfigError(
      "invalid configuration: INDEX_CHUNK_OVERLAP_TOKENS is more than half of INDEX_CHUNK_MAX_TOKENS",
    );
  }
  const gpu: GpuPoolConfig = {
    urls: e.GPU_WORKER_URLS,
    ...(engines ? { engines } : {}),
    ...(e.GPU_WORKER_TOKEN ? { token: e.GPU_WORKER_TOKEN } : {}),
    ...(e.GPU_WORKER_HEADERS ? { endpointHeaders: e.GPU_WORKER_HEADERS } : {}),
    maxInputsPerCall: e.GPU_BATCH_MAX_INPUTS,
    maxTokensPerCall: e.GPU_BATCH_MAX_TOKENS,
    maxConcurrentCalls: e.GPU_MAX_CONCURRENT_BATCHES,
    callTimeoutMs: e.GPU_CALL_TIMEOUT_MS,
    deadlineMs: e.GPU_DEADLINE_MS,
    maxRetries: e.GPU_MAX_RETRIES,
    model: UPSTREAM_MODEL_ID,
  };
  const config: EdgeConfig = {
    modelRevision: e.MODEL_REVISION,
    maxBodyBytes: e.MAX_BODY_BYTES,
    contextLength: e.GPU_CONTEXT_LENGTH,
    corsAllowedOrigins: e.CORS_ALLOWED_ORIGINS,
    gpu,
    indexing: {
      maxDocuments: e.INDEX_MAX_DOCUMENTS,
      maxDocumentBytes: e.INDEX_MAX_DOCUMENT_BYTES,
      maxJobBytes: e.INDEX_MAX_JOB_BYTES,
      defaultChunking: {
        maxTokens: e.INDEX_CHUNK_MAX_TOKENS,
        overlapTokens: e.INDEX_CHUNK_OVERLAP_TOKENS,
      },
      bulkGpu: {
        ...gpu,
        maxConcurrentCalls: e.INDEX_GPU_MAX_CONCURRENT_BATCHES,
        maxTokensPerCall: e.INDEX_GPU_BATCH_MAX_TOKENS,
      },
      bulkGpuMaxShare: e.INDEX_GPU_MAX_SHARE,
      fetchTimeoutMs: e.INDEX_FETCH_TIMEOUT_MS,
      fetchMaxRedirects: e.INDEX_FETCH_MAX_REDIRECTS,
      retryDelaySeconds: e.INDEX_RETRY_DELAY_SECONDS,
      allowLoopbackUrls: e.INDEX_ALLOW_LOOPBACK_URLS === "on",
      callbackRetryDelaysMs: e.INDEX_CALLBACK_RETRY_SCHEDULE,
      callbackTimeoutMs: e.INDEX_CALLBACK_TIMEOUT_MS,
      dohUrl: e.INDEX_DOH_URL,
    },
    batch: {
      maxRequests: e.BATCH_MAX_REQUESTS,
      maxFileBytes: e.BATCH_MAX_FILE_BYTES,
      linesPerMessage: e.BATCH_LINES_PER_MESSAGE,
      completionWindowSeconds: e.BATCH_COMPLETION_WINDOW_SECONDS,
    },
    tenancy: {
      ...(e.ADMIN_TOKEN ? { adminToken: e.ADMIN_TOKEN } : {}),
      keyEnv: e.API_KEY_ENV,
      cacheTtlMs: e.TENANT_CACHE_TTL_MS,
      rateLimits: e.RATE_LIMITS === "on",
      rateLimitFailureMode: e.RATE_LIMIT_FAILURE_MODE,
      pricing: {
        gpuUsdPerSecond: e.GPU_PRICE_USD_PER_SECOND,
        gpuTokensPerSecond: e.GPU_TOKENS_PER_SECOND,
        batchPriceFactor: e.BATCH_PRICE_FACTOR,
      },
      redisTimeoutMs: e.TENANCY_REDIS_TIMEOUT_MS,
      ...(main ? { redis: main } : {}),
    },
    cache: {
      scope: e.CACHE_SCOPE,
      ttlSeconds: e.CACHE_TTL_SECONDS,
      l1MaxBytes: e.CACHE_L1_MAX_BYTES,
      recordDtype: e.CACHE_RECORD_DTYPE,
      tierTimeoutMs: e.CACHE_TIER_TIMEOUT_MS,
      ...(cacheRedis ? { redis: cacheRedis } : {}),
    },
  };
  return config;
}
