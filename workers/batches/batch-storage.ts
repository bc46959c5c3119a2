/**
 * Where the Batch API's bytes live in R2 (the `INDEX_RESULTS` bucket, under `batch/`):
 *
 *   batch/{tenant}/files/{file_id}                  an uploaded input file, as sent
 *   batch/{tenant}/{batch_id}/input/{part}.json     validated lines of one part
 *   batch/{tenant}/{batch_id}/output/{part}.jsonl   that part's successful lines
 *   batch/{tenant}/{batch_id}/errors/{part}.jsonl   that part's failed lines
 *   batch/{tenant}/{batch_id}/expired/{part}.jsonl  its lines never run (`batch_expired`)
 *
 * Keys start with the tenant id, and every reader gets it from the authenticated caller
 * (or the tenant's own Durable Object), so no request can name another tenant's bytes.
 * One object per part is what makes redelivery safe: a part processed twice replaces
 * its own objects with the same lines. Output and error files are those parts joined in
 * part order at download time (`streamFile`), never copied.
 */
import { concatObjects } from "../storage/r2-concat";
import type { FileRecord } from "./batch-records";
import type { StoredLines } from "./part-message";
import type { InputLine } from "./input-lines";

type Bucket = Pick<R2Bucket, "put" | "get" | "delete">;

const pad = (part: number): string => String(part).padStart(6, "0");
const uploadKey = (tenantId: string, fileId: string) =>
  `batch/${tenantId}/files/${fileId}`;
type PartKind = "input" | "output" | "errors" | "expired";
const partKey = (
  tenantId: string,
  batchId: string,
  kind: PartKind,
  part: number,
) =>
  `batch/${tenantId}/${batchId}/${kind}/${pad(part)}.${kind === "input" ? "json" : "jsonl"}`;

/** Stores an uploaded file's bytes as sent. */
export async function writeUpload(
  bucket: Bucket,
  tenantId: string,
  fileId: string,
  file: Blob,
): Promise<void> {
  await bucket.put(uploadKey(tenantId, fileId), file, {
    httpMetadata: { contentType: "application/jsonl" },
  });
}

/** An uploaded file's bytes as a stream, or null if its object is gone. */
export async function readUploadStream(
  bucket: Bucket,
  tenantId: string,
  fileId: string,
): Promise<ReadableStream<Uint8Array> | null> {
  const object = await bucket.get(uploadKey(tenantId, fileId));
  return object ? (object.body as ReadableStream<Uint8Array>) : null;
}

/** Stores one part's validated lines (JSON array of InputLine). */
export async function writeInputPart(
  bucket: Bucket,
  tenantId: string,
  batchId: string,
  part: number,
  lines: readonly InputLine[],
): Promise<void> {
  await bucket.put(
    partKey(tenantId, batchId, "input", part),
    JSON.stringify(lines),
    { httpMetadata: { contentType: "application/json" } },
  );
}

/** One part's validated lines, or null if its object is gone. */
export async function readInputPart(
  bucket: Bucket,
  tenantId: string,
  batchId: string,
  part: number,
): Promise<InputLine[] | null> {
  const object = await bucket.get(partKey(tenantId, batchId, "input", part));
  return object ? ((await object.json()) as InputLine[]) : null;
}

/**
 * Writes lines of one part as one JSONL object (whole, so a rerun replaces it; deleted
 * when there are none, so a rerun leaves no stale lines). Answers its key and size, or
 * null for no lines.
 */
export async function writeLines(
  bucket: Bucket,
  tenantId: string,
  batchId: string,
  kind: Exclude<PartKind, "input">,
  part: number,
  lines: readonly string[],
): Promise<StoredLines | null> {
  const key = partKey(tenantId, batchId, kind, part);
  if (lines.length === 0) {
    await bucket.delete(key);
    return null;
  }
  const bytes = new TextEncoder().encode(lines.map((l) => `${l}\n`).join(""));
  await bucket.put(key, bytes, {
    httpMetadata: { contentType: "application/jsonl" },
  });
  return { key, bytes: bytes.byteLength };
}

/** Deletes what a file owns in R2: an upload's object (a batch output's parts stay with their batch). */
export async function deleteFileBytes(
  bucket: Bucket,
  file: FileRecord,
): Promise<void> {
  if (file.source.kind === "upload")
    await bucket.delete(uploadKey(file.tenant_id, file.id));
}

/** A file's content, streamed: the upload's object, or the batch's parts joined in order. */
export function streamFile(
  bucket: Bucket,
  file: FileRecord,
): ReadableStream<Uint8Array> {
  return concatObjects(
    bucket,
    file.source.kind === "upload"
      ? [uploadKey(file.tenant_id, file.id)]
      : file.source.keys,
  );
}
