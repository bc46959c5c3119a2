/** A job record as created from a validated request (state machine in jobs-object.ts). */
import type { IndexingConfig } from "../env";
import type { JobRequest } from "./job-request";
import type { JobRecord } from "./job-records";
import { newJobId } from "./job-ids";

export function newJobRecord(
  tenantId: string,
  request: JobRequest,
  config: IndexingConfig,
  now = Date.now(),
): JobRecord {
  const chunking = request.chunking ?? {
    max_tokens: config.defaultChunking.maxTokens,
    overlap_tokens: config.defaultChunking.overlapTokens,
  };
  return {
    id: newJobId(now),
    tenant_id: tenantId,
    status: "queued",
    chunking,
    dimensions: request.dimensions ?? null,
    input_type: request.input_type ?? null,
    instruction: request.instruction ?? null,
    counts: {
      documents: request.documents.length,
      documents_processed: 0,
      chunks: 0,
      chunks_from_cache: 0,
      chunks_computed: 0,
      failed: 0,
    },
    created_at: now,
    started_at: null,
    completed_at: null,
    failed_at: null,
    cancelled_at: null,
    last_error: null,
    callback: request.callback_url
      ? {
          url: request.callback_url,
          status: "pending",
          attempts: 0,
          last_error: null,
        }
      : null,
    dispatched: false,
  };
}
