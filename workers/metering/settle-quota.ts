/**
 * Requests admitted while the limiter could not reach Redis (fail-open) skipped the
 * monthly quota. Once their usage event is applied, their tokens are charged to the
 * month they were admitted in, once per event id (limits/monthly-quota.ts), so a
 * redelivered event never charges twice.
 */
import type { Admission } from "../limits/admission";
import type { UsageEvent } from "./usage-event";

export async function settlePendingQuota(
  admission: Pick<Admission, "settleDegraded">,
  event: UsageEvent,
): Promise<void> {
  if (event.quota_pending_at === undefined) return;
  await admission.settleDegraded(
    event.tenant_id,
    event.tokens_computed + event.tokens_cached,
    event.quota_pending_at,
    event.event_id,
  );
}
