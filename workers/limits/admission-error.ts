/**
 * An ApiError that carries the rate-limit headers of the refusal (429) or of the
 * limiter outage (503), so the error response tells the client the same things a
 * success would: `onError` renders it through getResponse(), and an integrator that
 * builds its own response can read `headers`.
 */
import { ApiError, type ApiErrorKind, type ApiErrorOptions } from "../errors/api-error";

export class AdmissionError extends ApiError {
  readonly headers: Readonly<Record<string, string>>;

  constructor(kind: ApiErrorKind, message: string, options: ApiErrorOptions, headers: Record<string, string>) {
    super(kind, message, options);
    this.headers = headers;
  }

  override getResponse(): Response {
    const response = super.getResponse();
    for (const [name, value] of Object.entries(this.headers)) response.headers.set(name, value);
    return response;
  }
}
