/**
 * How a document's processing can fail. A `DocumentFailure` is final for that
 * document (its URL is refused, answers 404, is too large, is not text, or the tenant's
 * quota is spent): retrying cannot help, so it is recorded on the job and the job goes
 * on. Anything else thrown (GPU unavailable, R2 or the network hiccuping) is transient:
 * the message is retried, and after max_retries it lands in the dead-letter queue,
 * which fails the job with the last error.
 */
import type { JobError } from "./job-records";

export class DocumentFailure extends Error {
  override name = "DocumentFailure";
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
  }

  toJobError(): JobError {
    return { code: this.code, message: this.message };
  }
}
