/**
 * How this edge builds an Upstash client: the composition root (workers/services.ts)
 * makes one per database and use per isolate, reused across requests so connections
 * stay warm. Every one auto-pipelines (concurrent
 * commands travel in one HTTP call), never retries on its own (each caller decides what
 * a failure means: the cache skips the tier, auth fails closed, limits follow their
 * failure mode, metering falls back to the queue), and gives every HTTP call its own
 * timeout signal.
 *
 * Reply modes: `raw` for the vector cache: values come back as stored, without
 * Upstash's default base64 layer (ours are already base64 text, and encoding them again
 * made every hit pay a second base64 decode in JavaScript, on ~30% larger bodies);
 * `json` for tenancy, limits and usage: the client's usual decoding of JSON replies.
 */
import { Redis } from "@upstash/redis/cloudflare";

export type ReplyMode = "raw" | "json";

/** A client for `db` whose every HTTP call is bounded by `timeoutMs`, replying in `mode`. */
export function createUpstashClient(
  db: { url: string; token: string },
  timeoutMs: number,
  mode: ReplyMode,
): Redis {
  return new Redis({
    url: db.url,
    token: db.token,
    enableAutoPipelining: true,
    enableTelemetry: false,
    retry: false,
    signal: () => AbortSignal.timeout(timeoutMs),
    ...(mode === "raw"
      ? { automaticDeserialization: false, responseEncoding: false as const }
      : {}),
  });
}
