/**
 * The Worker's `queue()` entry: routes a batch by its queue's name. Names carry the
 * environment as a suffix (`qwen3-index-staging`), so they are matched by prefix; the
 * dead-letter queue is matched before its parent.
 */
import { configFrom } from "./env";
import { consumeIndexBatch, consumeIndexDeadLetters } from "./indexing/index-queue-consumer";
import { usageQueueHandler } from "./metering/usage-queue-handler";
import { consumeBatchDeadLetters, consumeBatchParts } from "./batches/batch-queue-consumer";

export async function queueHandler(batch: MessageBatch<unknown>, env: Env, ctx: ExecutionContext): Promise<void> {
  if (batch.queue.startsWith("qwen3-index-dlq")) return consumeIndexDeadLetters(batch, env);
  if (batch.queue.startsWith("qwen3-index")) return consumeIndexBatch(batch, env, ctx, configFrom(env));
  if (batch.queue.startsWith("qwen3-batch-dlq")) return consumeBatchDeadLetters(batch, env);
  if (batch.queue.startsWith("qwen3-batch")) return consumeBatchParts(batch, env, ctx, configFrom(env));
  return usageQueueHandler(batch, env);
}
