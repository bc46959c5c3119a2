/**
 * The edge's one timeout primitive: a bound on how long a caller waits for work it
 * cannot cancel (a Redis pipeline, a Cache API call), with the operation named in the
 * error, so a log line says what timed out, not only that something did.
 *
 * Used where a caller's budget is not the HTTP call's: the vector cache's per-tier
 * budget (cache/tiered-cache.ts; reads and the longer write-back) and the limits' Redis
 * calls (limits/lease-script.ts, limits/monthly-quota.ts). Under it, every Upstash
 * client also aborts each HTTP call after its own `timeoutMs`
 * (upstash/redis-client.ts), so no request is left open once its waiter has gone.
 */

/** Rejection of `withTimeout`: `operation` gave no answer within `ms` milliseconds. */
export class OperationTimeout extends Error {
  override name = "OperationTimeout";

  constructor(
    readonly operation: string,
    readonly ms: number,
  ) {
    super(`${operation}: no answer within ${ms} ms`);
  }
}

/**
 * `work`'s outcome, or a rejection with OperationTimeout(operation, ms) once `ms` have
 * passed first. The work keeps running (a promise cannot be cancelled) and its late
 * outcome is dropped. The timer is cleared as soon as `work` settles: a timer left to
 * fire after every lookup, building an error for nobody, cost the L1 hit measurable
 * CPU in workerd's profile.
 */
export function withTimeout<T>(
  operation: string,
  ms: number,
  work: Promise<T>,
): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const expired = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new OperationTimeout(operation, ms)), ms);
  });
  return Promise.race([work, expired]).finally(() => {
    if (timer !== undefined) clearTimeout(timer);
  });
}
