/**
 * Records one request's usage after its response, without losing it: Redis first;
 * if that fails (down, slow, unreachable), the event goes to the usage queue, whose
 * consumer retries until Redis takes it; if even the queue refuses, the event is
 * logged whole as an error, the last place it can be recovered from. Never throws:
 * it runs inside `waitUntil`, where nobody is left to catch.
 *
 *   c.executionCtx.waitUntil(meterRequest({ redis, queue: env.USAGE_QUEUE }, event));
 */
import { applyUsageEvent, type ApplyOutcome, type UsageWriteRedis } from "./usage-store";
import { parseUsageEvent, type UsageEvent } from "./usage-event";
import { consoleUsageLog, errorSummary, type UsageLog } from "./usage-log";

/** What metering needs of a `Queue<UsageEvent>` binding. */
export interface UsageQueue {
  send(event: UsageEvent): Promise<unknown>;
}

export interface MeteringDeps {
  redis: UsageWriteRedis;
  /** Absent (no queue bound, e.g. some local setups): a failed write is only logged. */
  queue?: UsageQueue | undefined;
  log?: UsageLog;
}

export type MeterOutcome = ApplyOutcome | "queued" | "lost" | "invalid";

export async function meterRequest(deps: MeteringDeps, event: UsageEvent): Promise<MeterOutcome> {
  const log = deps.log ?? consoleUsageLog;
  // Checked here, not only in applyUsageEvent, so a malformed event (a bug) is reported
  // as one instead of being queued to fail every retry.
  if (parseUsageEvent(event) === null) {
    log("error", "usage event is malformed; not recorded", { event });
    return "invalid";
  }
  let writeError: unknown;
  try {
    return await applyUsageEvent(deps.redis, event);
  } catch (error) {
    writeError = error;
  }
  if (deps.queue) {
    try {
      await deps.queue.send(event);
      log("warn", "usage write failed; event queued for retry", { event_id: event.event_id, error: errorSummary(writeError) });
      return "queued";
    } catch (queueError) {
      log("error", "usage event lost: write and queue both failed", {
        event,
        error: errorSummary(writeError),
        queue_error: errorSummary(queueError),
      });
      return "lost";
    }
  }
  log("error", "usage event lost: write failed and no queue is bound", { event, error: errorSummary(writeError) });
  return "lost";
}
