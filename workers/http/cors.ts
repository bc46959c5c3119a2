/**
 * CORS for `/v1/*`, so a browser app can call the API with a tenant key (openai-node
 * runs in browsers behind `dangerouslyAllowBrowser`). Keys travel in `Authorization`,
 * never in cookies, so no credentials are allowed and `*` is a safe default origin;
 * `CORS_ALLOWED_ORIGINS` narrows it to a list. Built on hono's `cors` middleware, which
 * answers preflights (204) and sets the headers before the route runs, so error
 * responses (401, 429, ...) carry them too and a browser can read the error.
 *
 * Allowed request headers are listed, not `*`: the Fetch standard never lets `*` cover
 * `Authorization` (it must be named anyway), and a list says exactly what the API reads.
 * It is what openai-node 7.57.0 sends (src/client.ts buildHeaders, src/internal/
 * detect-platform.ts, src/lib/polling.ts; a test replays the real client's headers
 * through a preflight so an SDK upgrade that adds one fails there), plus this API's own.
 */
import { cors } from "hono/cors";
import type { MiddlewareHandler } from "hono";
import type { AppEnv } from "../app-env";

/** Request headers a browser may send (lower case); CORS-safelisted ones (`accept`) need no listing. */
const CORS_ALLOW_HEADERS = [
  "authorization",
  "content-type",
  "content-encoding",
  "cache-control",
  "idempotency-key",
  "x-request-id",
  "openai-organization",
  "openai-project",
  "x-stainless-arch",
  "x-stainless-custom-poll-interval",
  "x-stainless-helper-method",
  "x-stainless-lang",
  "x-stainless-os",
  "x-stainless-package-version",
  "x-stainless-poll-helper",
  "x-stainless-retry-count",
  "x-stainless-runtime",
  "x-stainless-runtime-version",
  "x-stainless-timeout",
];

/** Response headers a browser script may read besides the safelisted ones (content-type, ...). */
const CORS_EXPOSE_HEADERS = [
  "x-request-id",
  "x-cache",
  "x-truncated-inputs",
  "x-should-retry",
  "server-timing",
  "retry-after",
  "retry-after-ms",
  "x-ratelimit-limit-requests",
  "x-ratelimit-limit-tokens",
  "x-ratelimit-remaining-requests",
  "x-ratelimit-remaining-tokens",
  "x-ratelimit-reset-requests",
  "x-ratelimit-reset-tokens",
  "ratelimit",
  "ratelimit-policy",
];

const CORS_ALLOW_METHODS = ["GET", "HEAD", "POST", "DELETE"];

/** Seconds a browser may cache a preflight; Chromium caps it at 7200 (2 h). */
const CORS_MAX_AGE_SECONDS = 7200;

/** The `/v1/*` CORS middleware; origins come from the isolate's parsed config (CORS_ALLOWED_ORIGINS), so it runs after `init`. */
export function corsPolicy(): MiddlewareHandler<AppEnv> {
  return cors({
    origin: (origin, c) => {
      const allowed = c.get("services").config.corsAllowedOrigins;
      if (allowed === "*") return "*";
      return allowed.includes(origin) ? origin : null;
    },
    allowMethods: CORS_ALLOW_METHODS,
    allowHeaders: CORS_ALLOW_HEADERS,
    exposeHeaders: CORS_EXPOSE_HEADERS,
    maxAge: CORS_MAX_AGE_SECONDS,
    credentials: false,
  });
}
