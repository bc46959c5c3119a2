/**
 * Fetches a user-supplied URL (a document, a webhook callback) under url-policy.ts. The
 * runtime's own redirect following would skip our checks on later hops, so redirects are
 * followed here by hand and every Location is checked before it is requested: a public
 * URL that answers 302 to http://169.254.169.254/ must not reach it. Each hop is checked
 * as written (url-policy.ts) and then by what its name resolves to (resolved-host-check.ts).
 *
 * One timer bounds the whole exchange, every hop and the body included, since a server can
 * send headers and then stall. The body is read chunk by chunk and dropped as soon as it
 * passes the byte limit, so an endless response costs at most that much memory.
 *
 * It never throws and never logs: the outcome carries the reason and whether a retry may
 * help. Any final response that is not a redirect is `ok`; the caller decides what a 404
 * or a 500 means. Web APIs only, as it runs inside workerd.
 */
import type { HostResolver } from "./doh-resolver";
import { checkResolvedHost } from "./resolved-host-check";
import { checkOutboundUrl, type UrlPolicy } from "./url-policy";
import { readAtMost } from "../http/read-at-most";

export interface SafeFetchOptions {
  policy: UrlPolicy;
  /** Looks up each hop's name; any non-public answer, or a failed lookup, refuses the hop. */
  resolve: HostResolver;
  /** Covers every hop, its DNS lookups and reading the body. */
  timeoutMs: number;
  maxBytes: number;
  maxRedirects: number;
  fetch?: typeof fetch;
  method?: "GET" | "POST";
  headers?: Record<string, string>;
  body?: string;
}

export type SafeFetchResult =
  | {
      ok: true;
      status: number;
      headers: Headers;
      body: Uint8Array;
      finalUrl: string;
    }
  | { ok: false; reason: string; retryable: boolean; status?: number };

const REDIRECT_STATUSES = new Set([301, 302, 303, 307, 308]);

/** Headers that describe a request body; they go when a redirect drops the body (as fetch does). */
const BODY_HEADERS = new Set([
  "content-type",
  "content-encoding",
  "content-language",
  "content-location",
]);
/** Credentials meant for one origin; they go when a redirect leaves it (as fetch does). */
const CREDENTIAL_HEADERS = new Set([
  "authorization",
  "cookie",
  "proxy-authorization",
]);

interface Hop {
  url: string;
  method: "GET" | "POST";
  headers: Record<string, string>;
  body: string | undefined;
}

export async function safeFetch(
  url: string,
  options: SafeFetchOptions,
): Promise<SafeFetchResult> {
  const doFetch = options.fetch ?? fetch;
  const controller = new AbortController();
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    controller.abort();
  }, options.timeoutMs);

  let hop: Hop = {
    url,
    method: options.method ?? "GET",
    headers: { ...options.headers },
    body: options.body,
  };
  try {
    for (let redirects = 0; ; redirects++) {
      const written = checkOutboundUrl(hop.url, options.policy);
      const verdict = written.ok
        ? await checkResolvedHost(
            written.url,
            options.policy,
            options.resolve,
            controller.signal,
          )
        : written;
      if (!verdict.ok) {
        const reason =
          redirects === 0
            ? verdict.reason
            : `redirect to ${describe(hop.url)} refused: ${verdict.reason}`;
        return { ok: false, reason, retryable: verdict.retryable ?? false };
      }
      const response = await doFetch(verdict.url.href, {
        method: hop.method,
        headers: hop.headers,
        body: hop.body,
        redirect: "manual",
        signal: controller.signal,
      });
      const location = response.headers.get("location");
      // A 3xx without Location is a final response under the fetch standard too.
      if (!REDIRECT_STATUSES.has(response.status) || location === null) {
        return await readResponse(response, verdict.url.href, options.maxBytes);
      }
      await response.body?.cancel();
      if (redirects >= options.maxRedirects) {
        return {
          ok: false,
          reason: `too many redirects (limit ${options.maxRedirects})`,
          retryable: false,
        };
      }
      const next = resolveLocation(location, verdict.url);
      if (next === undefined)
        return {
          ok: false,
          reason: "redirect to an invalid URL refused",
          retryable: false,
        };
      hop = nextHop(hop, response.status, verdict.url, next);
    }
  } catch {
    if (timedOut)
      return {
        ok: false,
        reason: `request timed out after ${options.timeoutMs} ms`,
        retryable: true,
      };
    return {
      ok: false,
      reason: "request failed with a network error",
      retryable: true,
    };
  } finally {
    clearTimeout(timer);
  }
}

/** The request for the next hop: 303, and 301/302 after POST, become a GET without a body. */
function nextHop(previous: Hop, status: number, from: URL, to: URL): Hop {
  const toGet =
    status === 303 ||
    ((status === 301 || status === 302) && previous.method === "POST");
  const crossOrigin = to.origin !== from.origin;
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(previous.headers)) {
    const lower = name.toLowerCase();
    if (toGet && BODY_HEADERS.has(lower)) continue;
    if (crossOrigin && CREDENTIAL_HEADERS.has(lower)) continue;
    headers[name] = value;
  }
  return toGet
    ? { url: to.href, method: "GET", headers, body: undefined }
    : { url: to.href, method: previous.method, headers, body: previous.body };
}

function resolveLocation(location: string, base: URL): URL | undefined {
  try {
    return new URL(location, base);
  } catch {
    return undefined;
  }
}

/** A URL for a reason string: no credentials, query or fragment, which may hold secrets. */
function describe(url: string): string {
  try {
    const parsed = new URL(url);
    return `${parsed.protocol}//${parsed.host}${parsed.pathname}`;
  } catch {
    return "an invalid URL";
  }
}

async function readResponse(
  response: Response,
  finalUrl: string,
  maxBytes: number,
): Promise<SafeFetchResult> {
  const tooLarge = (): SafeFetchResult => ({
    ok: false,
    reason: `response body exceeds the limit of ${maxBytes} bytes`,
    retryable: false,
    status: response.status,
  });
  // Content-Length lets an honest oversized response be refused without reading it; the
  // count below still guards against one that lies or is chunked.
  const declared = Number(response.headers.get("content-length") ?? Number.NaN);
  if (declared > maxBytes) {
    await response.body?.cancel();
    return tooLarge();
  }

  const body = await readAtMost(response.body, maxBytes);
  if (body === null) return tooLarge();
  return {
    ok: true,
    status: response.status,
    headers: response.headers,
    body,
    finalUrl,
  };
}
