/**
 * The documented error answers of a route: `errorResponses(400, 401, [404, "Unknown
 * model"])` is the `responses` entries for those statuses, each OpenAI's envelope (the
 * `Error` schema). A status given alone gets the generic meaning below; a pair says what
 * it means on that route. Every route lists exactly the statuses it can answer; 500 is
 * always among them, since any route answers it for a bug or a deployment
 * misconfiguration (errors/on-error.ts).
 */
import { ErrorEnvelopeSchema } from "./error-schema";

/** What each error status means wherever a route gives no more precise description. */
const MEANING = {
  400: "Invalid request",
  401: "Missing or invalid credentials",
  403: "The key lacks the route's scope, or the tenant is suspended",
  404: "No such object",
  409: "The object's state forbids the operation",
  413: "Body too large (decoded bytes, after gzip/deflate)",
  415: "Content-Encoding other than gzip, deflate or identity",
  429: "Rate limit or monthly quota",
  500: "Internal error (a bug, or a configuration error); the message names the request id",
  502: "An upstream answered something invalid",
  503: "A dependency is unavailable; retry after Retry-After",
} as const;

export type ErrorStatus = keyof typeof MEANING;
type Entry = ErrorStatus | readonly [ErrorStatus, string];
type StatusOf<E> = E extends readonly [infer S, string] ? S : E;

export interface ErrorResponse {
  description: string;
  content: { "application/json": { schema: typeof ErrorEnvelopeSchema } };
}

export function errorResponses<const E extends readonly Entry[]>(
  ...entries: E
): Record<(StatusOf<E[number]> & ErrorStatus) | 500, ErrorResponse> {
  const responses: Partial<Record<ErrorStatus, ErrorResponse>> = {};
  const all: readonly Entry[] = [500, ...entries];
  for (const entry of all) {
    const [status, description] =
      typeof entry === "number" ? [entry, MEANING[entry]] : entry;
    responses[status] = {
      description,
      content: { "application/json": { schema: ErrorEnvelopeSchema } },
    };
  }
  return responses as Record<
    (StatusOf<E[number]> & ErrorStatus) | 500,
    ErrorResponse
  >;
}
