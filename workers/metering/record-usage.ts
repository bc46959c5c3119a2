/**
 * Metering of one served request, after the response (`waitUntil`). Normally the event
 * is applied to Redis directly, with the queue as the durable fallback. A request the
 * limiter admitted without Redis (fail-open) goes to the queue straight away: its quota
 * still has to be settled, and the consumer retries both until they hold.
 */
import type { Admission } from "../limits/admission";
import { meterRequest, type MeteringDeps } from "./meter-request";
import { settlePendingQuota } from "./settle-quota";
import type { UsageEvent } from "./usage-event";
import { consoleUsageLog } from "./usage-log";

export async function recordUsage(deps: MeteringDeps & { admission: Pick<Admission, "settleDegraded"> }, event: UsageEvent): Promise<void> {
  if (event.quota_pending_at !== undefined && deps.queue) {
    try {
      await deps.queue.send(event);
      return;
    } catch {
      // Fall through to the direct path; meterRequest logs if that fails too.
    }
  }
  const outcome = await meterRequest(deps, event);
  if (outcome === "applied" || outcome === "duplicate") {
    await settlePendingQuota(deps.admission, event).catch(() =>
      (deps.log ?? consoleUsageLog)("warn", "quota of a fail-open request not settled", { event_id: event.event_id }),
    );
  }
}

/** The isolate's usage recorder: its dependencies bound once, `record` per event. */
export interface UsageRecorder {
  /** Never throws; meant for `waitUntil`. */
  record(event: UsageEvent): Promise<void>;
}

export function createUsageRecorder(deps: MeteringDeps & { admission: Pick<Admission, "settleDegraded"> }): UsageRecorder {
  return { record: (event) => recordUsage(deps, event) };
}
