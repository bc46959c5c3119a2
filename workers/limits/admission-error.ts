/**
 * An ApiError that carries the rate-limit headers of the refusal (429) or of the
 * limiter outage (503), so the error response tells the client the same things a
 * success would: `onError` renders it through getResponse(), and an integrator that
 * builds its own response can read `headers`.
 *
 * Which 429s a retry can fix is decided here, so every refusal follows one rule: an
 * exhausted monthly quota (`insufficient_quota`) and a 429 given no Retry-After (a
 * request that on its own exceeds a per-minute limit, a plan allowing 0 requests) are
 * final, sent with `x-should-retry: false` and no Retry-After, so the OpenAI SDKs stop
 * instead of retrying into the same refusal; a refusal with a wait keeps its Retry-After.
 */
import {
  ApiError,
  type ApiErrorKind,
  type ApiErrorOptions,
} from "../errors/api-error";

/** True when waiting cannot turn this refusal into a success. */
function isFinalRefusal(kind: ApiErrorKind, options: ApiErrorOptions): boolean {
  return (
    kind === "insufficient_quota" ||
    (kind === "rate_limit_exceeded" && options.retryAfterSeconds === undefined)
  );
}

export class AdmissionError extends ApiError {
  readonly headers: Readonly<Record<string, string>>;

  constructor(
    kind: ApiErrorKind,
    message: string,
    options: ApiErrorOptions,
    headers: Record<string, string>,
  ) {
    super(
      kind,
      message,
      isFinalRefusal(kind, options) ? { ...options, noRetry: true } : options,
    );
    this.headers = headers;
  }

  override getResponse(): Response {
    const response = super.getResponse();
    for (const [name, value] of Object.entries(this.headers))
      response.headers.set(name, value);
    return response;
  }
}
