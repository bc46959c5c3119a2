/**
 * The index queue's message (one document of one job) and how a processed document
 * ended, as index-document.ts reports it and the `IndexJobs` Durable Object records it.
 */
import type { JobError } from "./job-records";

/** One document of one job; the consumer's unit of work and of redelivery. */
export interface DocumentMessage {
  kind: "index.document";
  tenant_id: string;
  job_id: string;
  index: number;
}

/** How one document ended; recorded once per document (a redelivery finds it and skips). */
export interface DocumentOutcome {
  chunks: number;
  chunks_from_cache: number;
  chunks_computed: number;
  error: JobError | null;
}
