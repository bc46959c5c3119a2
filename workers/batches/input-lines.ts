/**
 * Validation of a batch's input file, OpenAI's request-input format
 * (https://platform.openai.com/docs/api-reference/batch/request-input): JSONL, one
 * `{custom_id, method: "POST", url, body}` per line, `custom_id` unique in the file,
 * `url` the batch's endpoint. A file that breaks these rules fails the whole batch with
 * OpenAI's `errors.data[]` (`code`, `message`, `param`, 1-based `line`); the codes are
 * this API's own names. What `body` holds is not judged here: each line's body is
 * checked when it runs, exactly like a `/v1/embeddings` request, and a bad one fails
 * only its line (error file, status 400).
 */
import type { BatchError } from "./batch-types";

/** A validated line: its 1-based line number, the caller's id and the request body. */
export interface InputLine {
  line: number;
  custom_id: string;
  body: unknown;
}

export type InputCheck = { ok: true; lines: InputLine[] } | { ok: false; errors: BatchError[] };

/** Errors listed before validation stops: enough to fix a file, bounded for the batch record. */
const MAX_ERRORS = 100;
const MAX_CUSTOM_ID_CHARS = 512;

const error = (line: number | null, code: string, message: string, param: string | null = null): BatchError => ({ code, message, param, line });

function checkLine(text: string, line: number, endpoint: string): InputLine | BatchError {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return error(line, "invalid_json_line", `Line ${line} is not valid JSON.`);
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) return error(line, "invalid_request", `Line ${line} must be a JSON object.`);
  const request = value as Record<string, unknown>;
  const customId = request.custom_id;
  if (typeof customId !== "string" || customId.length === 0 || customId.length > MAX_CUSTOM_ID_CHARS) {
    return error(line, "missing_custom_id", `Line ${line}: 'custom_id' must be a string of 1 to ${MAX_CUSTOM_ID_CHARS} characters.`, "custom_id");
  }
  if (request.method !== "POST") return error(line, "invalid_method", `Line ${line}: 'method' must be "POST".`, "method");
  if (request.url !== endpoint) return error(line, "mismatched_url", `Line ${line}: 'url' must be the batch's endpoint, ${endpoint}.`, "url");
  const body = request.body;
  if (typeof body !== "object" || body === null || Array.isArray(body)) return error(line, "invalid_body", `Line ${line}: 'body' must be a JSON object.`, "body");
  return { line, custom_id: customId, body };
}

/** The file's request lines (blank lines skipped), or every problem found up to MAX_ERRORS. */
export function checkInputFile(text: string, endpoint: string, maxRequests: number): InputCheck {
  const lines: InputLine[] = [];
  const errors: BatchError[] = [];
  const seen = new Set<string>();
  const rows = text.split("\n");
  for (let i = 0; i < rows.length && errors.length < MAX_ERRORS; i++) {
    const row = rows[i]!.replace(/\r$/, "");
    if (row.trim().length === 0) continue;
    const checked = checkLine(row, i + 1, endpoint);
    if ("code" in checked) errors.push(checked);
    else if (seen.has(checked.custom_id)) errors.push(error(i + 1, "duplicate_custom_id", `Line ${i + 1}: 'custom_id' ${JSON.stringify(checked.custom_id.slice(0, 100))} is used by an earlier line.`, "custom_id"));
    else {
      seen.add(checked.custom_id);
      lines.push(checked);
    }
  }
  if (errors.length > 0) return { ok: false, errors };
  if (lines.length === 0) return { ok: false, errors: [error(null, "empty_file", "The input file has no requests.")] };
  if (lines.length > maxRequests) {
    return { ok: false, errors: [error(null, "too_many_requests", `The input file has ${lines.length} requests; a batch takes at most ${maxRequests}.`)] };
  }
  return { ok: true, lines };
}
