/**
 * Retry policy for upstream calls: which answers are worth retrying, how long to wait
 * between rounds, and how to read the upstream's own `Retry-After`.
 *
 * Backoff is exponential with full jitter (a uniformly random wait in
 * [0, min(cap, base * 2^n))): many isolates retrying the same overloaded worker spread
 * out instead of arriving together. Base 200 ms, cap 5 s: a busy GPU worker typically
 * frees a slot within a few hundred ms, and the overall deadline (60 s by default) bounds
 * the total anyway. An upstream `Retry-After` (e.g. a cold-starting serverless endpoint)
 * is a floor on the wait, never shortened by jitter.
 */

export const BACKOFF_BASE_MS = 200;
export const BACKOFF_CAP_MS = 5_000;

/** Wait before retry round `retry` (0 for the first retry). `random` is in [0, 1). */
export function backoffDelayMs(retry: number, random: () => number): number {
  const ceiling = Math.min(BACKOFF_CAP_MS, BACKOFF_BASE_MS * 2 ** retry);
  return Math.floor(random() * ceiling);
}

export type StatusClass =
  /** Endpoint health (overload, gateway trouble, cold start): try this endpoint later, or another now. */
  | "transient"
  /** The input itself was refused; every endpoint would say the same. */
  | "bad_request"
  /**
   * The engine failed while handling this call: either one of its inputs trips it, or the
   * endpoint is broken. failover.ts tells the two apart before blaming either.
   */
  | "engine_error"
  /** Our credentials were refused: a misconfiguration of ours, not the tenant's. */
  | "auth_rejected"
  /** Any other answer this endpoint should not give (404, 405, ...): likely a wrong URL. */
  | "endpoint_fault";

/**
 * Which kind of failure an upstream status is. Only health failures are retried as such:
 * 408/429 are the server asking to come back later, 502/503/504 are overload, an
 * unhealthy engine or a gateway in front of a cold serverless worker. A 500 (or any other
 * 5xx) is what engines answer when handling the request raised: SGLang's
 * serving_embedding.py turns a `ValueError` into 400 and anything else into 500, so the
 * same 500 can follow an input or a broken worker. Hugging Face's routers answer 424
 * Failed Dependency when the model itself failed (TEI's `ErrorType::Backend`, TGI's
 * `GenerationError`, in their router/src/http/server.rs), which is the same case.
 */
export function classifyStatus(status: number): StatusClass {
  if (
    status === 408 ||
    status === 429 ||
    status === 502 ||
    status === 503 ||
    status === 504
  )
    return "transient";
  if (status >= 500 || status === 424) return "engine_error";
  // SGLang answers 400 for inputs it can't embed (longer than the context, bad ids);
  // 413/422 are the same complaint from a proxy or framework in front of it.
  if (status === 400 || status === 413 || status === 422) return "bad_request";
  if (status === 401 || status === 403) return "auth_rejected";
  return "endpoint_fault";
}

/**
 * Milliseconds the upstream asked us to wait, or undefined. Reads `retry-after-ms`
 * (OpenAI-style, more precise) first, then `Retry-After` as delta-seconds or an HTTP
 * date (relative to `nowMs`). Unparsable values are ignored rather than trusted.
 */
export function retryAfterMs(
  headers: Headers,
  nowMs: number,
): number | undefined {
  const ms = headers.get("retry-after-ms");
  if (ms !== null && /^\s*\d+(\.\d+)?\s*$/.test(ms))
    return Math.ceil(Number(ms));

  const value = headers.get("retry-after")?.trim();
  if (value === undefined || value === "") return undefined;
  if (/^\d+(\.\d+)?$/.test(value)) return Math.ceil(Number(value) * 1000);
  // Every HTTP-date form starts with a day name; without this check Date.parse would
  // read "-5" as the year -5 and the wait as zero.
  if (!/^[A-Za-z]{3}/.test(value)) return undefined;
  const date = Date.parse(value);
  if (Number.isNaN(date)) return undefined;
  return Math.max(0, date - nowMs);
}
