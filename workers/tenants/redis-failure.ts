/**
 * What a failed tenancy Redis call means: 503, never a guess. Auth fails closed (an
 * unverified key is never admitted) and the admin API refuses rather than half-writes.
 * The log line names the operation and the error class only: Upstash error messages
 * quote the command, which may carry record contents.
 */
import { ApiError } from "../errors/api-error";

export function tenancyUnavailable(): ApiError {
  // `service_unavailable`: ApiError's 503 for a dependency other than the GPU pool; the
  // code says which one is down.
  return new ApiError(
    "service_unavailable",
    "The tenancy store is temporarily unavailable. Retry shortly.",
    {
      code: "tenancy_unavailable",
      retryAfterSeconds: 1,
    },
  );
}

/** Runs one tenancy Redis operation; any failure that is not already an ApiError is a 503. */
export async function guardRedis<T>(
  operation: string,
  run: () => Promise<T>,
): Promise<T> {
  try {
    return await run();
  } catch (error) {
    if (error instanceof ApiError) throw error;
    const name = error instanceof Error ? error.name : typeof error;
    console.warn(
      JSON.stringify({
        level: "warn",
        event: "tenancy_redis_error",
        operation,
        error: name,
      }),
    );
    throw tenancyUnavailable();
  }
}
