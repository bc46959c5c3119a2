/**
 * How long a queue message waits before its next attempt, for the index and the batch
 * queues alike: INDEX_RETRY_DELAY_SECONDS after the first failure, doubling per attempt,
 * at most MAX_RETRY_SECONDS.
 */

/** The longest delay between two attempts of one message, s. */
const MAX_RETRY_SECONDS = 300;

/** Delay (s) before retrying a message that failed its `attempts`-th attempt (Cloudflare's `message.attempts`, from 1). */
export function retryDelaySeconds(
  firstDelaySeconds: number,
  attempts: number,
): number {
  return Math.min(MAX_RETRY_SECONDS, firstDelaySeconds * 2 ** (attempts - 1));
}
