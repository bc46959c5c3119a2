/**
 * Where a job's bytes live in R2: each document's input (written before the job is
 * queued) and each document's results part (one JSONL object per document, written
 * whole). Keys start with the tenant id, and every reader gets the tenant from the
 * authenticated caller, so one tenant's prefix is never built from another's request.
 *
 * One part per document is what makes redelivery safe: a document processed twice
 * overwrites its own part with the same lines, so results never hold duplicates, and
 * `streamResults` joins the parts in document order.
 */
import { concatObjects } from "../storage/r2-concat";
import type { JobDocument } from "./job-request";

type Bucket = Pick<R2Bucket, "put" | "get" | "delete">;

const pad = (index: number): string => String(index).padStart(6, "0");
export const jobPrefix = (tenantId: string, jobId: string): string =>
  `index/${tenantId}/${jobId}/`;
const inputKey = (tenantId: string, jobId: string, index: number) =>
  `${jobPrefix(tenantId, jobId)}input/${pad(index)}.json`;
const resultKey = (tenantId: string, jobId: string, index: number) =>
  `${jobPrefix(tenantId, jobId)}results/${pad(index)}.jsonl`;

/** Puts in parallel, a few at a time: a job may have a thousand documents. */
const PUT_CONCURRENCY = 16;

export async function writeInputs(
  bucket: Bucket,
  tenantId: string,
  jobId: string,
  documents: readonly JobDocument[],
): Promise<void> {
  let next = 0;
  const worker = async (): Promise<void> => {
    for (let i = next++; i < documents.length; i = next++) {
      await bucket.put(
        inputKey(tenantId, jobId, i),
        JSON.stringify(documents[i]),
        { httpMetadata: { contentType: "application/json" } },
      );
    }
  };
  await Promise.all(
    Array.from({ length: Math.min(PUT_CONCURRENCY, documents.length) }, worker),
  );
}

export async function deleteInputs(
  bucket: Bucket,
  tenantId: string,
  jobId: string,
  count: number,
): Promise<void> {
  const keys = Array.from({ length: count }, (_, i) =>
    inputKey(tenantId, jobId, i),
  );
  for (let i = 0; i < keys.length; i += 1000)
    await bucket.delete(keys.slice(i, i + 1000));
}

export async function readInput(
  bucket: Bucket,
  tenantId: string,
  jobId: string,
  index: number,
): Promise<JobDocument | null> {
  const object = await bucket.get(inputKey(tenantId, jobId, index));
  return object ? ((await object.json()) as JobDocument) : null;
}

export async function writeResultPart(
  bucket: Bucket,
  tenantId: string,
  jobId: string,
  index: number,
  jsonl: string,
): Promise<void> {
  await bucket.put(resultKey(tenantId, jobId, index), jsonl, {
    httpMetadata: { contentType: "application/x-ndjson" },
  });
}

/** The job's JSONL: every document's part in order, streamed (a part missing = a failed document). */
export function streamResults(
  bucket: Pick<R2Bucket, "get">,
  tenantId: string,
  jobId: string,
  documents: number,
): ReadableStream<Uint8Array> {
  return concatObjects(
    bucket,
    Array.from({ length: documents }, (_, index) =>
      resultKey(tenantId, jobId, index),
    ),
  );
}
