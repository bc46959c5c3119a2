/**
 * The loop the bulk queues share (`qwen3-index`, `qwen3-batch`): messages run one after
 * another (the bulk lane takes one GPU turn at a time anyway, and memory stays one
 * message's); one that is not the queue's kind is logged and dropped; one whose work
 * throws is retried with a growing delay (retry-delay.ts) until Cloudflare moves it to
 * the dead-letter queue. Each queue supplies how to read, run and name its messages.
 */
import { retryDelaySeconds } from "./retry-delay";

/** What the loop uses of a Cloudflare Queues message (workers-types `Message`). */
export interface QueueMessage {
  readonly id: string;
  readonly body: unknown;
  readonly attempts: number;
  ack(): void;
  retry(options?: { delaySeconds?: number }): void;
}

export interface InOrderQueue<M> {
  /** The queue's kind of message from a raw body, or null (bodies cross deployments). */
  parse(body: unknown): M | null;
  /** The message's work; a throw means "retry later". */
  run(message: M): Promise<void>;
  /** The retry log line's message, e.g. "index document attempt failed; retrying". */
  retryLog: string;
  /** Fields naming the message in that line (ids, never secrets). */
  describe(message: M): Record<string, unknown>;
  /** Logs a body that `parse` refused (it is acked and dropped). */
  dropped(message: QueueMessage): void;
}

/** Runs `batch` through `queue`; `firstDelaySeconds` is INDEX_RETRY_DELAY_SECONDS. */
export async function consumeInOrder<M>(
  batch: { readonly messages: readonly QueueMessage[] },
  queue: InOrderQueue<M>,
  firstDelaySeconds: number,
): Promise<void> {
  for (const message of batch.messages) {
    const parsed = queue.parse(message.body);
    if (!parsed) {
      queue.dropped(message);
      message.ack();
      continue;
    }
    try {
      await queue.run(parsed);
      message.ack();
    } catch (error) {
      console.warn(
        JSON.stringify({
          message: queue.retryLog,
          ...queue.describe(parsed),
          attempts: message.attempts,
          error: String(error),
        }),
      );
      message.retry({
        delaySeconds: retryDelaySeconds(firstDelaySeconds, message.attempts),
      });
    }
  }
}

/**
 * A dead-letter queue's loop: each message the queue's `parse` reads is settled for good
 * (`settle`: its job or batch records the failure), any other is logged; all are acked.
 */
export async function settleDeadLetters<M>(
  batch: { readonly messages: readonly QueueMessage[] },
  queue: Pick<InOrderQueue<M>, "parse" | "dropped">,
  settle: (message: M) => Promise<unknown>,
): Promise<void> {
  for (const message of batch.messages) {
    const parsed = queue.parse(message.body);
    if (parsed) await settle(parsed);
    else queue.dropped(message);
    message.ack();
  }
}
