/**
 * `POST /v1/files`' body: OpenAI's multipart upload (`file`, `purpose`). The body is
 * read through the bounded reader first (http/request-body.ts: counted while streaming,
 * gzip/deflate decoded, 413 past the limit), and only then parsed by the runtime's
 * `formData()`, so no upload larger than BATCH_MAX_FILE_BYTES (plus the multipart
 * framing) is ever buffered.
 */
import { ApiError, invalidRequest } from "../errors/api-error";
import { readRequestBody } from "../http/request-body";

/** Room for the multipart boundaries, part headers and the `purpose` field around the file. */
const MULTIPART_OVERHEAD_BYTES = 64 * 1024;

export interface Upload {
  filename: string;
  /** The file part as the runtime parsed it (handed to R2 as is: no further copy). */
  file: File;
}

/** The uploaded file; throws ApiError 400 (not multipart, no `file`, `purpose` not `batch`) or 413. */
export async function readUpload(
  request: Request,
  maxFileBytes: number,
): Promise<Upload> {
  const contentType = request.headers.get("content-type") ?? "";
  if (!/^multipart\/form-data\s*;/i.test(contentType)) {
    throw invalidRequest(
      "Upload a file as multipart/form-data with the fields 'file' and 'purpose'.",
      null,
      "invalid_content_type",
    );
  }
  const body = await readRequestBody(
    request,
    maxFileBytes + MULTIPART_OVERHEAD_BYTES,
  );
  let form: FormData;
  try {
    form = await new Request("https://upload.invalid/", {
      method: "POST",
      headers: { "content-type": contentType },
      body,
    }).formData();
  } catch {
    throw invalidRequest(
      "The multipart body could not be parsed.",
      null,
      "invalid_multipart",
    );
  }
  const purpose = form.get("purpose");
  if (typeof purpose !== "string")
    throw invalidRequest("Missing required parameter: 'purpose'.", "purpose");
  if (purpose !== "batch")
    throw invalidRequest(
      `Invalid purpose '${purpose.slice(0, 50)}': this API accepts files for 'batch' only.`,
      "purpose",
    );
  // The runtime answers File for a file part; the DOM and workers typings disagree on get()'s type.
  const file = form.get("file") as File | string | null;
  if (file === null || typeof file === "string")
    throw invalidRequest(
      "Missing required parameter: 'file' (a file part).",
      "file",
    );
  if (file.size > maxFileBytes) {
    throw new ApiError(
      "request_too_large",
      `File too large: a batch input file may have at most ${maxFileBytes} bytes.`,
      { param: "file", code: "file_too_large" },
    );
  }
  return { filename: file.name.slice(0, 255) || "upload.jsonl", file };
}
