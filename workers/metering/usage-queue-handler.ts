/**
 * The Worker's `queue()` handler for `qwen3-usage`: usage events whose write failed on
 * the request path, applied exactly once, then their pending quota settled.
 */
import { configFrom } from "../env";
import { admissionFor } from "../limits/admission-for";
import { tenancyRedis } from "../tenants/tenancy-redis";
import { consumeUsageBatch } from "./usage-queue-consumer";
import { settlePendingQuota } from "./settle-quota";

export async function usageQueueHandler(batch: MessageBatch<unknown>, env: Env): Promise<void> {
  const config = configFrom(env);
  const admission = admissionFor(config);
  await consumeUsageBatch(batch, { redis: tenancyRedis(config), onApplied: (event) => settlePendingQuota(admission, event) });
}
