/**
 * The usage queue's consumer: applies each queued message to Redis and acknowledges it.
 * A message is one event or the batch of a failed group commit (usage-event.ts); a
 * batch is applied in one command, whole, like the flush it comes from. A message
 * that cannot be applied yet is retried later, with a delay that doubles
 * per attempt, until the queue's max_retries moves it to the dead-letter queue.
 * Applying is idempotent (usage-store.ts), so a message delivered again after it was
 * applied (an ack lost, a batch retried) counts once.
 *
 * The Worker's `queue()` handler (usage-queue-handler.ts) calls it for `qwen3-usage`.
 *
 * Messages are typed by what is used, so a real `MessageBatch<UsageEvent>` and a plain
 * test object both fit.
 */
import { applyUsageEvents, type UsageWriteRedis } from "./usage-store";
import { parseUsageMessage, type UsageEvent } from "./usage-event";
import { consoleUsageLog, errorSummary, type UsageLog } from "./usage-log";

export interface UsageMessage {
  readonly id: string;
  readonly body: unknown;
  /** 1 on first delivery, as Cloudflare counts. */
  readonly attempts: number;
  ack(): void;
  retry(options?: { delaySeconds?: number }): void;
}

export interface UsageBatch {
  readonly messages: readonly UsageMessage[];
}

export interface UsageConsumerDeps {
  redis: UsageWriteRedis;
  log?: UsageLog;
  /** Runs for each event once its message is applied (or found applied already); a failure retries the message. */
  onApplied?: (event: UsageEvent) => Promise<void>;
}

const FIRST_RETRY_DELAY_SECONDS = 10;
/** With max_retries 10 the delays are 10 s … 2,560 s, then this: about 2.4 hours of retrying in all. */
const MAX_RETRY_DELAY_SECONDS = 3600;

/** Delay before the next delivery of a message that failed on its `attempts`-th. */
export function usageRetryDelaySeconds(attempts: number): number {
  const exponent = Math.max(0, Math.min(attempts, 32) - 1);
  return Math.min(
    MAX_RETRY_DELAY_SECONDS,
    FIRST_RETRY_DELAY_SECONDS * 2 ** exponent,
  );
}

export async function consumeUsageBatch(
  batch: UsageBatch,
  deps: UsageConsumerDeps,
): Promise<void> {
  const log = deps.log ?? consoleUsageLog;
  // Concurrently: the writes travel together through the auto-pipelining client, and
  // an unreachable Redis costs the batch one timeout, not one per message.
  await Promise.all(
    batch.messages.map((message) => consumeOne(message, deps, log)),
  );
}

async function consumeOne(
  message: UsageMessage,
  deps: UsageConsumerDeps,
  log: UsageLog,
): Promise<void> {
  const events = parseUsageMessage(message.body);
  if (events === null) {
    // Never acked: the message is kept, and ends in the dead-letter queue for an
    // operator (a body from a Worker version with another event shape, most likely).
    log("error", "usage queue message is not a usage event", {
      message_id: message.id,
      attempts: message.attempts,
      body: message.body,
    });
    message.retry({ delaySeconds: MAX_RETRY_DELAY_SECONDS });
    return;
  }
  try {
    await applyUsageEvents(deps.redis, events);
    if (deps.onApplied) await Promise.all(events.map(deps.onApplied));
    message.ack();
  } catch (error) {
    const delaySeconds = usageRetryDelaySeconds(message.attempts);
    log("warn", "usage event not applied; retrying", {
      ...(events.length === 1
        ? { event_id: events[0]!.event_id }
        : { event_ids: events.map((e) => e.event_id) }),
      attempts: message.attempts,
      delay_seconds: delaySeconds,
      error: errorSummary(error),
    });
    message.retry({ delaySeconds });
  }
}
