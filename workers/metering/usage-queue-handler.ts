/**
 * The Worker's `queue()` handler for `qwen3-usage`: usage events whose write failed on
 * the request path, applied exactly once, then their pending quota settled.
 */
import type { Services } from "../services";
import { consumeUsageBatch } from "./usage-queue-consumer";
import { settlePendingQuota } from "./settle-quota";

export async function usageQueueHandler(
  batch: MessageBatch<unknown>,
  services: Services,
): Promise<void> {
  const { redis, admission } = services.tenancy();
  await consumeUsageBatch(batch, {
    redis,
    onApplied: (event) => settlePendingQuota(admission, event),
  });
}
