/**
 * The app's one error handler. ApiErrors render as themselves; anything else is a bug:
 * logged with the request id, answered as a generic 500 in the same envelope, its
 * message never shown to the client. An ApiError marked `logAsClientEvent` (a body the
 * client broke off) is logged as `kind: "client"`, so it is counted but never read as a bug.
 */
import type { ErrorHandler } from "hono";
import { HTTPException } from "hono/http-exception";
import { ApiError } from "./api-error";
import { ConfigError } from "../env";
import type { AppEnv } from "../app-env";

export const onError: ErrorHandler<AppEnv> = (err, c) => {
  const requestId = c.get("requestId");
  let response: Response;
  if (err instanceof ApiError) {
    if (err.status >= 500)
      console.warn(
        JSON.stringify({
          level: "warn",
          requestId,
          error: err.body.code,
          message: err.body.message,
        }),
      );
    if (err.logAsClientEvent)
      console.info(
        JSON.stringify({
          level: "info",
          requestId,
          kind: "client",
          error: err.body.code,
          cause: describeCause(err.cause),
        }),
      );
    response = err.getResponse();
  } else if (err instanceof HTTPException && err.status < 500) {
    // Hono's own 4xx (e.g. a malformed request it refused) keep their status.
    response = new ApiError(
      err.status === 404 ? "not_found" : "invalid_request",
      err.message || "Invalid request.",
    ).getResponse();
  } else {
    const kind = err instanceof ConfigError ? "config" : "bug";
    console.error(
      JSON.stringify({
        level: "error",
        requestId,
        kind,
        error:
          err instanceof Error ? `${err.name}: ${err.message}` : String(err),
      }),
    );
    response = new ApiError(
      "internal",
      `The server had an error while processing your request. Contact support with request id ${requestId ?? "unknown"}.`,
    ).getResponse();
  }
  if (requestId) response.headers.set("x-request-id", requestId);
  return response;
};

/** `TypeError: message` of what failed underneath (a stream error), at most 200 characters. */
function describeCause(cause: unknown): string | null {
  if (cause === undefined) return null;
  return (
    cause instanceof Error ? `${cause.name}: ${cause.message}` : String(cause)
  ).slice(0, 200);
}
