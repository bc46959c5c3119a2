/**
 * The index queue's consumers. `qwen3-index`: one message per document, processed one
 * after another (the bulk lane takes one GPU turn at a time anyway, and a batch's memory
 * stays one document's); a transient failure retries that message with a growing delay.
 * `qwen3-index-dlq`: a document that exhausted its retries fails its job, with the last
 * attempt's error as the reason (and the failure callback follows).
 */
import type { Services } from "../services";
import { indexDocument } from "./index-document";
import type { DocumentMessage } from "./document-message";
import { jobsFor } from "./jobs-for";
import { isJobId } from "./job-ids";
import { consumeInOrder, settleDeadLetters } from "../queues/consume-in-order";

export function parseDocumentMessage(body: unknown): DocumentMessage | null {
  if (typeof body !== "object" || body === null) return null;
  const m = body as Partial<DocumentMessage>;
  const ok =
    m.kind === "index.document" &&
    typeof m.tenant_id === "string" &&
    typeof m.job_id === "string" &&
    isJobId(m.job_id) &&
    Number.isInteger(m.index) &&
    (m.index ?? -1) >= 0;
  return ok ? (m as DocumentMessage) : null;
}

const invalid = (message: Message<unknown>) =>
  console.error(
    JSON.stringify({
      message: "index queue: not a document message; dropped",
      message_id: message.id,
    }),
  );

/** `qwen3-index`: indexes each document (queues/consume-in-order.ts). */
export async function consumeIndexBatch(
  batch: MessageBatch<unknown>,
  env: Env,
  ctx: ExecutionContext,
  services: Services,
): Promise<void> {
  await consumeInOrder(
    batch,
    {
      parse: parseDocumentMessage,
      run: (doc) =>
        indexDocument(doc, {
          env,
          services,
          background: (work) => ctx.waitUntil(work),
        }),
      retryLog: "index document attempt failed; retrying",
      describe: (doc) => ({ job_id: doc.job_id, index: doc.index }),
      dropped: invalid,
    },
    services.config.indexing.retryDelaySeconds,
  );
}

export async function consumeIndexDeadLetters(
  batch: MessageBatch<unknown>,
  env: Env,
): Promise<void> {
  await settleDeadLetters(
    batch,
    { parse: parseDocumentMessage, dropped: invalid },
    (doc) =>
      jobsFor(env, doc.tenant_id).failJob(doc.job_id, {
        code: "document_failed",
        message: `Document ${doc.index} could not be indexed after every retry.`,
      }),
  );
}
