/**
 * The one error type of the edge. Each code belongs to a closed set with a fixed HTTP
 * status and OpenAI error `type`, so a status is decided where the failure is known and
 * never lost on the way to the response. `onError` (errors/on-error.ts) renders it as
 * OpenAI's envelope `{error:{message,type,param,code}}`.
 */
import { HTTPException } from "hono/http-exception";
import type { ContentfulStatusCode } from "hono/utils/http-status";

const KINDS = {
  invalid_request: { status: 400, type: "invalid_request_error" },
  invalid_api_key: { status: 401, type: "invalid_request_error" },
  permission_denied: { status: 403, type: "invalid_request_error" },
  not_found: { status: 404, type: "invalid_request_error" },
  /** The resource's state forbids the operation (cancel a finished job, reuse an idempotency key). */
  conflict: { status: 409, type: "invalid_request_error" },
  request_too_large: { status: 413, type: "invalid_request_error" },
  /** A request body in a Content-Encoding the edge does not decode. */
  unsupported_media_type: { status: 415, type: "invalid_request_error" },
  rate_limit_exceeded: { status: 429, type: "rate_limit_exceeded" },
  insufficient_quota: { status: 429, type: "insufficient_quota" },
  internal: { status: 500, type: "server_error" },
  upstream_invalid_response: { status: 502, type: "server_error" },
  gpu_unavailable: { status: 503, type: "server_error" },
  /** A dependency other than the GPU pool (tenancy, limits, usage store) is unreachable. */
  service_unavailable: { status: 503, type: "server_error" },
} as const satisfies Record<
  string,
  { status: ContentfulStatusCode; type: string }
>;

export type ApiErrorKind = keyof typeof KINDS;

export interface ApiErrorBody {
  message: string;
  type: string;
  param: string | null;
  code: string | null;
}

export interface ApiErrorOptions {
  param?: string | null;
  code?: string | null;
  /** Seconds; sets `Retry-After` and `retry-after-ms` on the response. */
  retryAfterSeconds?: number;
  /**
   * No retry can fix this (one request over a per-minute limit on its own, an exhausted
   * quota): the response says `x-should-retry: false` and carries no Retry-After.
   * openai-node obeys that header before its status rules, which otherwise retry every
   * 429 and 5xx (`shouldRetry` in src/client.ts of openai 7.57.0).
   */
  noRetry?: boolean;
  /**
   * Log one `kind: "client"` line for this error (onError): a 4xx worth counting, such
   * as an upload the client broke off, that must not read as a bug of ours.
   */
  logAsClientEvent?: boolean;
  /** What failed underneath (a stream error); logged with a client event, never sent. */
  cause?: unknown;
}

export class ApiError extends HTTPException {
  readonly kind: ApiErrorKind;
  readonly body: ApiErrorBody;
  readonly retryAfterSeconds: number | undefined;
  readonly noRetry: boolean;
  readonly logAsClientEvent: boolean;

  constructor(
    kind: ApiErrorKind,
    message: string,
    options: ApiErrorOptions = {},
  ) {
    const { status, type } = KINDS[kind];
    super(status, {
      message,
      ...(options.cause === undefined ? {} : { cause: options.cause }),
    });
    this.kind = kind;
    this.retryAfterSeconds = options.retryAfterSeconds;
    this.noRetry = options.noRetry ?? false;
    this.logAsClientEvent = options.logAsClientEvent ?? false;
    this.body = {
      message,
      type,
      param: options.param ?? null,
      code: options.code ?? null,
    };
  }

  override getResponse(): Response {
    const headers = new Headers({ "content-type": "application/json" });
    if (this.noRetry) {
      headers.set("x-should-retry", "false");
    } else if (this.retryAfterSeconds !== undefined) {
      headers.set(
        "retry-after",
        String(Math.max(1, Math.ceil(this.retryAfterSeconds))),
      );
      headers.set(
        "retry-after-ms",
        String(Math.max(0, Math.round(this.retryAfterSeconds * 1000))),
      );
    }
    return new Response(JSON.stringify({ error: this.body }), {
      status: this.status,
      headers,
    });
  }
}

export function invalidRequest(
  message: string,
  param: string | null = null,
  code: string | null = null,
): ApiError {
  return new ApiError("invalid_request", message, { param, code });
}
