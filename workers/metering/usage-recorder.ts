/**
 * The isolate's group commit of usage (group-commit/group-commit.ts): events from
 * concurrent requests gather in one batch, written by one Redis command per flush
 * (meter-request.ts), at most `maxWaitMs` (250 ms) after the batch's first event or as
 * soon as it holds `maxEvents` (100). A failed flush goes to the usage queue as one
 * message. `record(event)` settles when the flush holding the event is done: each
 * request hands it to `waitUntil`.
 *
 * A request admitted without the limiter (fail-open) goes to the queue straight away,
 * as one message of its own: its quota still has to be settled, and the consumer
 * retries both until they hold. Without a queue, or if the queue refuses, it joins the
 * batch and its quota is settled after the flush applies it.
 */
import type { Admission } from "../limits/admission";
import { createGroupCommit } from "../group-commit/group-commit";
import { meterEvents, type MeteringDeps } from "./meter-request";
import { settlePendingQuota } from "./settle-quota";
import { MAX_USAGE_BATCH_EVENTS, type UsageEvent } from "./usage-event";
import { consoleUsageLog } from "./usage-log";

export interface UsageRecorderDeps extends MeteringDeps {
  admission: Pick<Admission, "settleDegraded">;
  /** Longest an event waits for others before its batch is written, ms (default 250). */
  maxWaitMs?: number;
  /** A batch is written as soon as it holds this many events (default and most: 100). */
  maxEvents?: number;
}

export interface UsageRecorder {
  /**
   * Adds the event to the isolate's open batch. Settles, never rejects, once the flush
   * holding it is done (applied, queued or, both failing, logged): hand it to `waitUntil`.
   */
  record(event: UsageEvent): Promise<void>;
}

export function createUsageRecorder(deps: UsageRecorderDeps): UsageRecorder {
  const maxItems = Math.min(
    deps.maxEvents ?? MAX_USAGE_BATCH_EVENTS,
    MAX_USAGE_BATCH_EVENTS,
  );
  const log = deps.log ?? consoleUsageLog;

  // Never rejects: meterEvents queues or logs what it cannot write.
  async function flush(events: UsageEvent[]): Promise<void> {
    const outcomes = await meterEvents(deps, events);
    await Promise.all(
      events.map(async (event, i) => {
        if (
          event.quota_pending_at === undefined ||
          (outcomes[i] !== "applied" && outcomes[i] !== "duplicate")
        )
          return;
        await settlePendingQuota(deps.admission, event).catch(() =>
          log("warn", "quota of a fail-open request not settled", {
            event_id: event.event_id,
          }),
        );
      }),
    );
  }

  const batches = createGroupCommit({
    commit: flush,
    maxWaitMs: deps.maxWaitMs ?? 250,
    maxItems,
  });

  return {
    async record(event) {
      if (event.quota_pending_at !== undefined && deps.queue) {
        try {
          await deps.queue.send(event);
          return;
        } catch {
          // Join the batch instead; the flush queues or logs it if Redis fails too.
        }
      }
      await batches.add([event]);
    },
  };
}
