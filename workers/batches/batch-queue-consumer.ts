/**
 * The batch queue's consumers. `qwen3-batch`: one message per part, processed one after
 * another (the bulk lane takes one GPU turn at a time anyway); a transient failure
 * retries that message with a growing delay. `qwen3-batch-dlq`: a part that exhausted
 * its retries fails its lines (500 in the error file) and the batch goes on.
 */
import { consumeInOrder, settleDeadLetters } from "../queues/consume-in-order";
import type { Services } from "../services";
import { isBatchId } from "./batch-ids";
import type { PartMessage } from "./part-message";
import { failPart, runPart } from "./run-part";

/** A queue body as a part message, or null if it is not one (checked: it crosses deployments). */
function parsePartMessage(body: unknown): PartMessage | null {
  if (typeof body !== "object" || body === null) return null;
  const m = body as Partial<PartMessage>;
  const ok =
    m.kind === "batch.part" &&
    typeof m.tenant_id === "string" &&
    typeof m.batch_id === "string" &&
    isBatchId(m.batch_id) &&
    Number.isInteger(m.part) &&
    (m.part ?? -1) >= 0;
  return ok ? (m as PartMessage) : null;
}

const invalid = (message: Message<unknown>) =>
  console.error(
    JSON.stringify({
      message: "batch queue: not a part message; dropped",
      message_id: message.id,
    }),
  );

/** `qwen3-batch`: runs each part (queues/consume-in-order.ts: a thrown part is retried with a doubling delay). */
export async function consumeBatchParts(
  batch: MessageBatch<unknown>,
  env: Env,
  ctx: ExecutionContext,
  services: Services,
): Promise<void> {
  await consumeInOrder(
    batch,
    {
      parse: parsePartMessage,
      run: (part) =>
        runPart(part, {
          env,
          services,
          background: (work) => ctx.waitUntil(work),
        }),
      retryLog: "batch part attempt failed; retrying",
      describe: (part) => ({ batch_id: part.batch_id, part: part.part }),
      dropped: invalid,
    },
    services.config.indexing.retryDelaySeconds,
  );
}

/** `qwen3-batch-dlq`: settles each part for good (500 error lines). */
export async function consumeBatchDeadLetters(
  batch: MessageBatch<unknown>,
  env: Env,
): Promise<void> {
  await settleDeadLetters(
    batch,
    { parse: parsePartMessage, dropped: invalid },
    (part) => failPart(part, env),
  );
}
