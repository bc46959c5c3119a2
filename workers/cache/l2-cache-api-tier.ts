/**
 * L2: the Workers Cache API, per colo and free. Records are stored as the same binary
 * bytes as in Redis under a synthetic URL on a reserved, never-resolvable host
 * (`.invalid`), so no real origin can be confused with it.
 */
import { decodeRecord } from "./record";
import type { CacheTier } from "./tier";

const CACHE_HOST = "https://embeddings-cache.invalid/";

const urlFor = (key: string) => CACHE_HOST + encodeURIComponent(key);

export function l2CacheApiTier(cache: Cache, ttlSeconds: number): CacheTier {
  return {
    name: "l2",
    async getMany(keys) {
      return Promise.all(
        keys.map(async (key) => {
          const hit = await cache.match(urlFor(key));
          if (!hit) return undefined;
          return (
            decodeRecord(new Uint8Array(await hit.arrayBuffer())) ?? undefined
          );
        }),
      );
    },
    async putMany(entries) {
      await Promise.all(
        entries.map(({ key, bytes }) =>
          cache.put(
            urlFor(key),
            new Response(bytes, {
              headers: {
                "content-type": "application/octet-stream",
                "cache-control": `public, max-age=${ttlSeconds}`,
              },
            }),
          ),
        ),
      );
    },
  };
}
