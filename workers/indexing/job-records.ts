/**
 * An indexing job as its Durable Object stores it and the public view the API answers
 * with. Stored records carry only what the next step needs; documents themselves live
 * in R2 (job-storage.ts); the queue's message is in document-message.ts.
 */
export type JobStatus = "queued" | "in_progress" | "completed" | "failed" | "cancelled";
export const TERMINAL_STATUSES: readonly JobStatus[] = ["completed", "failed", "cancelled"];

export interface JobError {
  code: string;
  message: string;
}

export interface JobCounts {
  documents: number;
  /** Documents finished (embedded, or failed for good). */
  documents_processed: number;
  chunks: number;
  chunks_from_cache: number;
  chunks_computed: number;
  /** Documents that could not be indexed (see last_error). */
  failed: number;
}

export interface CallbackState {
  url: string;
  status: "pending" | "delivered" | "failed";
  attempts: number;
  last_error: string | null;
}

export interface EmbeddingOptions {
  dimensions: number | null;
  input_type: "query" | "document" | null;
  instruction: string | null;
}

/** What the stored record and the API's view share (times: ms in the record, s in the view). */
interface JobBase extends EmbeddingOptions {
  id: string;
  status: JobStatus;
  chunking: { max_tokens: number; overlap_tokens: number };
  counts: JobCounts;
  created_at: number;
  started_at: number | null;
  completed_at: number | null;
  failed_at: number | null;
  cancelled_at: number | null;
  last_error: JobError | null;
}

export interface JobRecord extends JobBase {
  tenant_id: string;
  callback: CallbackState | null;
  /** Document messages are on the queue (the DO's alarm sends them; see jobs-object.ts). */
  dispatched: boolean;
}

/** What the API shows: timestamps in Unix seconds, like OpenAI's batch objects. */
export interface JobView extends JobBase {
  object: "index.job";
  callback: { url: string; status: CallbackState["status"]; attempts: number; last_error: string | null } | null;
}

const seconds = (ms: number | null): number | null => (ms === null ? null : Math.floor(ms / 1000));

export function jobView(job: JobRecord): JobView {
  return {
    id: job.id,
    object: "index.job",
    status: job.status,
    chunking: job.chunking,
    dimensions: job.dimensions,
    input_type: job.input_type,
    instruction: job.instruction,
    counts: job.counts,
    created_at: seconds(job.created_at)!,
    started_at: seconds(job.started_at),
    completed_at: seconds(job.completed_at),
    failed_at: seconds(job.failed_at),
    cancelled_at: seconds(job.cancelled_at),
    last_error: job.last_error,
    callback: job.callback
      ? { url: job.callback.url, status: job.callback.status, attempts: job.callback.attempts, last_error: job.callback.last_error }
      : null,
  };
}
