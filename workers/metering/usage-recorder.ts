/**
 * The isolate's group commit of usage: events from concurrent requests gather in one
 * batch, written by one Redis command per flush (meter-request.ts), at most
 * `maxWaitMs` (250 ms) after the batch's first event or as soon as it holds
 * `maxEvents` (100). A failed flush goes to the usage queue as one message.
 *
 * `record(event)` answers a promise that settles when the flush holding the event is
 * done: each request hands it to `waitUntil`, so an isolate that stops after answering
 * still writes every event it answered for. The wait lives inside that promise: the
 * batch's first request starts the timer and its `waitUntil` keeps it alive (workerd
 * cancels a finished request's timers, so a timer no request waits for may never
 * fire); later requests' promises join the same flush.
 *
 * A request admitted without the limiter (fail-open) goes to the queue straight away,
 * as one message of its own: its quota still has to be settled, and the consumer
 * retries both until they hold. Without a queue, or if the queue refuses, it joins the
 * batch and its quota is settled after the flush applies it.
 */
import type { Admission } from "../limits/admission";
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

interface OpenBatch {
  events: UsageEvent[];
  /** Closes the batch (no event joins it any more) and starts its flush. */
  close(): void;
  done: Promise<void>;
}

export function createUsageRecorder(deps: UsageRecorderDeps): UsageRecorder {
  const maxWaitMs = deps.maxWaitMs ?? 250;
  const maxEvents = Math.min(deps.maxEvents ?? MAX_USAGE_BATCH_EVENTS, MAX_USAGE_BATCH_EVENTS);
  if (!Number.isInteger(maxEvents) || maxEvents < 1) throw new RangeError("maxEvents must be a positive integer");
  const log = deps.log ?? consoleUsageLog;
  let open: OpenBatch | undefined;

  async function flush(events: readonly UsageEvent[]): Promise<void> {
    const outcomes = await meterEvents(deps, events);
    await Promise.all(
      events.map(async (event, i) => {
        if (event.quota_pending_at === undefined || (outcomes[i] !== "applied" && outcomes[i] !== "duplicate")) return;
        await settlePendingQuota(deps.admission, event).catch(() =>
          log("warn", "quota of a fail-open request not settled", { event_id: event.event_id }),
        );
      }),
    );
  }

  function openBatch(): OpenBatch {
    const events: UsageEvent[] = [];
    let release!: () => void;
    const due = new Promise<void>((resolve) => (release = resolve));
    const batch: OpenBatch = {
      events,
      close() {
        if (open === batch) open = undefined;
        release();
      },
      done: due.then(() => flush(events)),
    };
    // Not cleared when the batch fills first: firing then only closes it again, a no-op.
    setTimeout(() => batch.close(), maxWaitMs);
    return batch;
  }

  function join(event: UsageEvent): Promise<void> {
    const batch = (open ??= openBatch());
    batch.events.push(event);
    if (batch.events.length >= maxEvents) batch.close();
    return batch.done;
  }

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
      await join(event);
    },
  };
}
