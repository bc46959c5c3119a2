/**
 * The Worker's `queue()` entry: routes a batch by its queue's name. Names carry the
 * environment as a suffix (`qwen3-index-staging`), so they are matched by prefix; the
 * dead-letter queue is matched before its parent. Consumers get the isolate's services
 * from the composition root (services.ts), the same ones its requests use.
 */
import {
  consumeIndexBatch,
  consumeIndexDeadLetters,
} from "./indexing/index-queue-consumer";
import { usageQueueHandler } from "./metering/usage-queue-handler";
import {
  consumeBatchDeadLetters,
  consumeBatchParts,
} from "./batches/batch-queue-consumer";
import { servicesFor } from "./services";

export async function queueHandler(
  batch: MessageBatch<unknown>,
  env: Env,
  ctx: ExecutionContext,
): Promise<void> {
  if (batch.queue.startsWith("qwen3-index-dlq"))
    return consumeIndexDeadLetters(batch, env);
  if (batch.queue.startsWith("qwen3-index"))
    return consumeIndexBatch(batch, env, ctx, servicesFor(env));
  if (batch.queue.startsWith("qwen3-batch-dlq"))
    return consumeBatchDeadLetters(batch, env);
  if (batch.queue.startsWith("qwen3-batch"))
    return consumeBatchParts(batch, env, ctx, servicesFor(env));
  return usageQueueHandler(batch, servicesFor(env));
}
