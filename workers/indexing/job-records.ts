/**
 * An indexing job as its Durable Object stores it and the public view the API answers
 * with. Stored records carry only what the next step needs; documents themselves live
 * in R2 (job-storage.ts); the queue's message is in document-message.ts.
 */
import { z } from "@hono/zod-openapi";

export const JOB_STATUSES = [
  "queued",
  "in_progress",
  "completed",
  "failed",
  "cancelled",
] as const;
export type JobStatus = (typeof JOB_STATUSES)[number];
export const TERMINAL_STATUSES: readonly JobStatus[] = [
  "completed",
  "failed",
  "cancelled",
];

const JobErrorSchema = z.object({ code: z.string(), message: z.string() });
export type JobError = z.infer<typeof JobErrorSchema>;

const count = z.number().int();
const JobCountsSchema = z.object({
  documents: count,
  documents_processed: count.openapi({
    description: "Documents finished (embedded, or failed for good).",
  }),
  chunks: count,
  chunks_from_cache: count,
  chunks_computed: count,
  failed: count.openapi({
    description: "Documents that could not be indexed (see last_error).",
  }),
});
export type JobCounts = z.infer<typeof JobCountsSchema>;

const CALLBACK_STATUSES = ["pending", "delivered", "failed"] as const;

export interface CallbackState {
  url: string;
  status: (typeof CALLBACK_STATUSES)[number];
  attempts: number;
  last_error: string | null;
}

const seconds = z.number().int();

/**
 * What the API shows of a job (`IndexJob` in the OpenAPI document): timestamps in Unix
 * seconds, like OpenAI's batch objects. The view's type is this schema's.
 */
export const JobViewSchema = z
  .object({
    id: z.string(),
    object: z.literal("index.job"),
    status: z.enum(JOB_STATUSES),
    chunking: z.object({ max_tokens: count, overlap_tokens: count }),
    dimensions: count.nullable(),
    input_type: z.enum(["query", "document"]).nullable(),
    instruction: z.string().nullable(),
    counts: JobCountsSchema,
    created_at: seconds,
    started_at: seconds.nullable(),
    completed_at: seconds.nullable(),
    failed_at: seconds.nullable(),
    cancelled_at: seconds.nullable(),
    last_error: JobErrorSchema.nullable(),
    callback: z
      .object({
        url: z.string(),
        status: z.enum(CALLBACK_STATUSES),
        attempts: count,
        last_error: z.string().nullable(),
      })
      .nullable(),
  })
  .openapi("IndexJob");

export type JobView = z.infer<typeof JobViewSchema>;

export type EmbeddingOptions = Pick<
  JobView,
  "dimensions" | "input_type" | "instruction"
>;

/** The stored job: the view's fields with times in epoch ms, plus what only the edge sees. */
export interface JobRecord extends Omit<JobView, "object" | "callback"> {
  tenant_id: string;
  callback: CallbackState | null;
  /** Document messages are on the queue (the DO's alarm sends them; see jobs-object.ts). */
  dispatched: boolean;
}

const toSeconds = (ms: number | null): number | null =>
  ms === null ? null : Math.floor(ms / 1000);

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
    created_at: toSeconds(job.created_at)!,
    started_at: toSeconds(job.started_at),
    completed_at: toSeconds(job.completed_at),
    failed_at: toSeconds(job.failed_at),
    cancelled_at: toSeconds(job.cancelled_at),
    last_error: job.last_error,
    callback: job.callback
      ? {
          url: job.callback.url,
          status: job.callback.status,
          attempts: job.callback.attempts,
          last_error: job.callback.last_error,
        }
      : null,
  };
}
