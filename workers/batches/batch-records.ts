/**
 * The Batch API's records as the tenant's `Batches` Durable Object stores them and the
 * public views (OpenAI's `Batch` and `FileObject`, openai-node 7.57.0
 * resources/batches.d.ts and resources/files.d.ts). The queue's message: part-message.ts.
 * Records keep times in epoch ms; views answer Unix seconds, as OpenAI does. Each view's
 * type is `z.infer` of its schema, which is also its OpenAPI schema (`Batch`, `File`).
 */
import { z } from "@hono/zod-openapi";

const BATCH_STATUSES = [
  "validating",
  "failed",
  "in_progress",
  "finalizing",
  "completed",
  "expired",
  "cancelling",
  "cancelled",
] as const;
export type BatchStatus = (typeof BATCH_STATUSES)[number];
export const TERMINAL_BATCH_STATUSES: readonly BatchStatus[] = [
  "failed",
  "completed",
  "expired",
  "cancelled",
];

/** One input-validation problem, OpenAI's `BatchError`: `line` is 1-based. */
const BatchErrorSchema = z.object({
  code: z.string(),
  message: z.string(),
  param: z.string().nullable(),
  line: z.number().int().nullable(),
});
export type BatchError = z.infer<typeof BatchErrorSchema>;

const RequestCountsSchema = z.object({
  total: z.number().int(),
  completed: z.number().int(),
  failed: z.number().int(),
});
export type RequestCounts = z.infer<typeof RequestCountsSchema>;

/**
 * Where a file's bytes are: `upload` = its own R2 object; `parts` = a batch's per-part
 * JSONL objects (these R2 keys, joined in order at download; never copied).
 */
export type FileSource = { kind: "upload" } | { kind: "parts"; keys: string[] };

export interface FileRecord {
  id: string;
  tenant_id: string;
  purpose: FileView["purpose"];
  filename: string;
  bytes: number;
  created_at: number;
  source: FileSource;
}

/** A batch's lifecycle timestamps, as in OpenAI's `Batch` object (records keep epoch ms, views answer Unix seconds). */
export interface BatchTimestamps {
  created_at: number;
  in_progress_at: number | null;
  expires_at: number;
  finalizing_at: number | null;
  completed_at: number | null;
  failed_at: number | null;
  expired_at: number | null;
  cancelling_at: number | null;
  cancelled_at: number | null;
}

export interface BatchRecord extends BatchTimestamps {
  id: string;
  tenant_id: string;
  status: BatchStatus;
  endpoint: "/v1/embeddings";
  input_file_id: string;
  completion_window: "24h";
  metadata: Record<string, string> | null;
  /** Input parts (BATCH_LINES_PER_MESSAGE lines each), known once validated. */
  parts: number;
  request_counts: RequestCounts;
  errors: BatchError[] | null;
  output_file_id: string | null;
  error_file_id: string | null;
  /** Part messages are on the queue (the object's alarm sends them). */
  dispatched: boolean;
}

const when = z.number().int().nullable();

/** OpenAI's `Batch` object. */
export const BatchViewSchema = z
  .object({
    id: z.string(),
    object: z.literal("batch"),
    endpoint: z.string(),
    errors: z
      .object({ object: z.literal("list"), data: z.array(BatchErrorSchema) })
      .nullable(),
    input_file_id: z.string(),
    completion_window: z.string(),
    status: z.enum(BATCH_STATUSES),
    output_file_id: z.string().nullable(),
    error_file_id: z.string().nullable(),
    created_at: z.number().int(),
    in_progress_at: when,
    expires_at: z.number().int(),
    finalizing_at: when,
    completed_at: when,
    failed_at: when,
    expired_at: when,
    cancelling_at: when,
    cancelled_at: when,
    request_counts: RequestCountsSchema,
    metadata: z.record(z.string(), z.string()).nullable(),
  })
  .openapi("Batch");
export type BatchView = z.infer<typeof BatchViewSchema>;

/** OpenAI's `FileObject` (`status` is deprecated there but still sent: always `processed`). */
export const FileViewSchema = z
  .object({
    id: z.string(),
    object: z.literal("file"),
    bytes: z.number().int(),
    created_at: z.number().int(),
    filename: z.string(),
    purpose: z.enum(["batch", "batch_output"]),
    status: z.literal("processed"),
    status_details: z.null(),
  })
  .openapi("File");
export type FileView = z.infer<typeof FileViewSchema>;

const seconds = (ms: number): number => Math.floor(ms / 1000);
const maybeSeconds = (ms: number | null): number | null =>
  ms === null ? null : seconds(ms);

/** The stored batch as OpenAI's `Batch` (times in Unix seconds). */
export function batchView(batch: BatchRecord): BatchView {
  return {
    id: batch.id,
    object: "batch",
    endpoint: batch.endpoint,
    errors: batch.errors ? { object: "list", data: batch.errors } : null,
    input_file_id: batch.input_file_id,
    completion_window: batch.completion_window,
    status: batch.status,
    output_file_id: batch.output_file_id,
    error_file_id: batch.error_file_id,
    created_at: seconds(batch.created_at),
    in_progress_at: maybeSeconds(batch.in_progress_at),
    expires_at: seconds(batch.expires_at),
    finalizing_at: maybeSeconds(batch.finalizing_at),
    completed_at: maybeSeconds(batch.completed_at),
    failed_at: maybeSeconds(batch.failed_at),
    expired_at: maybeSeconds(batch.expired_at),
    cancelling_at: maybeSeconds(batch.cancelling_at),
    cancelled_at: maybeSeconds(batch.cancelled_at),
    request_counts: batch.request_counts,
    metadata: batch.metadata,
  };
}

/** The stored file as OpenAI's `FileObject`. */
export function fileView(file: FileRecord): FileView {
  return {
    id: file.id,
    object: "file",
    bytes: file.bytes,
    created_at: seconds(file.created_at),
    filename: file.filename,
    purpose: file.purpose,
    status: "processed",
    status_details: null,
  };
}
