/**
 * Records usage events after their responses, without losing them: Redis first, the
 * whole batch in one command; if that fails (down, slow, unreachable), the batch goes
 * to the usage queue as ONE message, whose consumer retries until Redis takes it; if
 * even the queue refuses, the events are logged whole as an error, the last place they
 * can be recovered from. Never throws: it runs inside `waitUntil`, where nobody is left
 * to catch. The isolate's group commit (usage-recorder.ts) calls it once per flush.
 */
import {
  applyUsageEvents,
  type ApplyOutcome,
  type UsageWriteRedis,
} from "./usage-store";
import {
  parseUsageEvent,
  usageQueueBody,
  type UsageBatchMessage,
  type UsageEvent,
} from "./usage-event";
import { consoleUsageLog, errorSummary, type UsageLog } from "./usage-log";

/** What metering needs of the `USAGE_QUEUE` binding: one event or a batch per message. */
export interface UsageQueue {
  send(body: UsageEvent | UsageBatchMessage): Promise<unknown>;
}

export interface MeteringDeps {
  redis: UsageWriteRedis;
  /** Absent (no queue bound, e.g. some local setups): a failed write is only logged. */
  queue?: UsageQueue | undefined;
  log?: UsageLog;
}

export type MeterOutcome = ApplyOutcome | "queued" | "lost" | "invalid";

/** One event on its own: `meterEvents` with a batch of one. */
export async function meterRequest(
  deps: MeteringDeps,
  event: UsageEvent,
): Promise<MeterOutcome> {
  const [outcome] = await meterEvents(deps, [event]);
  return outcome!;
}

/** Applies `events` in one Redis command, else queues them as one message; one outcome per event, in order. */
export async function meterEvents(
  deps: MeteringDeps,
  events: readonly UsageEvent[],
): Promise<MeterOutcome[]> {
  const log = deps.log ?? consoleUsageLog;
  const outcomes: MeterOutcome[] = events.map(() => "invalid");
  // Checked here, not only in applyUsageEvents, so a malformed event (a bug) is reported
  // as one instead of being queued to fail every retry, and cannot sink its batch.
  const valid: number[] = [];
  events.forEach((event, i) => {
    if (parseUsageEvent(event) === null)
      log("error", "usage event is malformed; not recorded", { event });
    else valid.push(i);
  });
  if (valid.length === 0) return outcomes;
  const batch = valid.map((i) => events[i]!);
  const settle = (outcome: (j: number) => MeterOutcome) =>
    valid.forEach((i, j) => (outcomes[i] = outcome(j)));

  let writeError: unknown;
  try {
    const applied = await applyUsageEvents(deps.redis, batch);
    settle((j) => applied[j]!);
    return outcomes;
  } catch (error) {
    writeError = error;
  }
  const eventIds = batch.map((e) => e.event_id);
  if (deps.queue) {
    try {
      await deps.queue.send(usageQueueBody(batch));
      log("warn", "usage write failed; events queued for retry", {
        event_ids: eventIds,
        error: errorSummary(writeError),
      });
      settle(() => "queued");
      return outcomes;
    } catch (queueError) {
      log("error", "usage events lost: write and queue both failed", {
        events: batch,
        error: errorSummary(writeError),
        queue_error: errorSummary(queueError),
      });
      settle(() => "lost");
      return outcomes;
    }
  }
  log("error", "usage events lost: write failed and no queue is bound", {
    events: batch,
    error: errorSummary(writeError),
  });
  settle(() => "lost");
  return outcomes;
}
