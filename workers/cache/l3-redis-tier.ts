/**
 * L3: Upstash Redis, shared by every colo. All of a request's keys are read with one
 * MGET, a single HTTP round trip; each write is one pipeline (the tiered cache bounds how
 * many records one write carries: WRITE_BACK_CHUNK_RECORDS). Values are the
 * record as base64 text with a TTL. The client never retries on its own: the tier's
 * time budget is the tiered cache's to enforce, and a slow Redis must cost a request
 * at most that budget.
 */
import type { Redis } from "@upstash/redis/cloudflare";
import { mapInChunks } from "../cpu/map-in-chunks";
import { recordFromBase64, recordToBase64 } from "./record";
import type { CacheTier } from "./tier";

export type RedisForCache = Pick<Redis, "mget" | "pipeline">;

export function l3RedisTier(redis: RedisForCache, ttlSeconds: number): CacheTier {
  return {
    name: "l3",
    async getMany(keys) {
      const values = await redis.mget<(string | null)[]>(...keys);
      // Decoding (base64, float16, norm check) is ~tens of µs per record: a large batch yields between slices.
      return mapInChunks(values, (v) => (typeof v === "string" ? (recordFromBase64(v) ?? undefined) : undefined));
    },
    async putMany(entries) {
      const pipeline = redis.pipeline();
      for (const { key, bytes } of entries) pipeline.set(key, recordToBase64(bytes), { ex: ttlSeconds });
      await pipeline.exec();
    },
  };
}
