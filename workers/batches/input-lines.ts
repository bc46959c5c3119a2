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
import type { BatchError } from "./batch-records";

/** A validated line: its 1-based line number, the caller's id and the request body. */
export interface InputLine {
  line: number;
  custom_id: string;
  body: unknown;
}

/**
 * OpenAI's cap on embedding inputs across all of a batch's requests (openai-node 7.57.0,
 * resources/batches.d.ts, `BatchCreateParams.endpoint`).
 */
const MAX_BATCH_INPUTS = 50_000;

/** A body's input count as `/v1/embeddings` counts it: one string or one token-id array is one input. */
function inputCount(body: Record<string, unknown>): number {
  const input = body.input;
  if (!Array.isArray(input)) return 1;
  return input.length > 0 && input.every((x) => typeof x === "number")
    ? 1
    : input.length;
}

/** Errors listed before validation stops: enough to fix a file, bounded for the batch record. */
const MAX_ERRORS = 100;
const MAX_CUSTOM_ID_CHARS = 512;

const error = (
  line: number | null,
  code: string,
  message: string,
  param: string | null = null,
): BatchError => ({ code, message, param, line });

function checkLine(
  text: string,
  line: number,
  endpoint: string,
): InputLine | BatchError {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return error(line, "invalid_json_line", `Line ${line} is not valid JSON.`);
  }
  if (typeof value !== "object" || value === null || Array.isArray(value))
    return error(
      line,
      "invalid_request",
      `Line ${line} must be a JSON object.`,
    );
  const request = value as Record<string, unknown>;
  const customId = request.custom_id;
  if (
    typeof customId !== "string" ||
    customId.length === 0 ||
    customId.length > MAX_CUSTOM_ID_CHARS
  ) {
    return error(
      line,
      "missing_custom_id",
      `Line ${line}: 'custom_id' must be a string of 1 to ${MAX_CUSTOM_ID_CHARS} characters.`,
      "custom_id",
    );
  }
  if (request.method !== "POST")
    return error(
      line,
      "invalid_method",
      `Line ${line}: 'method' must be "POST".`,
      "method",
    );
  if (request.url !== endpoint)
    return error(
      line,
      "mismatched_url",
      `Line ${line}: 'url' must be the batch's endpoint, ${endpoint}.`,
      "url",
    );
  const body = request.body;
  if (typeof body !== "object" || body === null || Array.isArray(body))
    return error(
      line,
      "invalid_body",
      `Line ${line}: 'body' must be a JSON object.`,
      "body",
    );
  return { line, custom_id: customId, body };
}

export type InputCheck =
  | { ok: true; requests: number; parts: number }
  | { ok: false; errors: BatchError[] };

export interface InputCheckOptions {
  endpoint: string;
  maxRequests: number;
  /** Lines per part (BATCH_LINES_PER_MESSAGE). */
  partSize: number;
}

/** The stream's rows without their line endings (`\n` or `\r\n`), decoded as UTF-8. */
async function* rowsOf(
  body: ReadableStream<Uint8Array>,
): AsyncGenerator<string> {
  const reader = body
    .pipeThrough(
      new TextDecoderStream() as ReadableWritablePair<string, Uint8Array>,
    )
    .getReader();
  let buffer = "";
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    buffer += value;
    const rows = buffer.split("\n");
    buffer = rows.pop()!;
    for (const row of rows) yield row.replace(/\r$/, "");
  }
  if (buffer.length > 0) yield buffer.replace(/\r$/, "");
}

/**
 * Reads a batch input file once, as a stream, so a file is never held whole: each run
 * of `partSize` valid lines goes to `writePart` while the file is still valid (after a
 * failure nothing more is written; parts already written are unused). Blank lines are
 * skipped; line numbers are 1-based rows of the file. Reading stops at MAX_ERRORS
 * errors, past `maxRequests` requests, or past MAX_BATCH_INPUTS inputs.
 */
export async function checkInputFile(
  body: ReadableStream<Uint8Array>,
  options: InputCheckOptions,
  writePart: (part: number, lines: InputLine[]) => Promise<void>,
): Promise<InputCheck> {
  const errors: BatchError[] = [];
  const seen = new Set<string>();
  let pending: InputLine[] = [];
  let parts = 0;
  let row = 0;
  let inputs = 0;
  const flush = async () => {
    if (errors.length === 0 && pending.length > 0)
      await writePart(parts++, pending);
    pending = [];
  };
  for await (const text of rowsOf(body)) {
    row++;
    if (text.trim().length === 0) continue;
    const checked = checkLine(text, row, options.endpoint);
    if ("code" in checked) errors.push(checked);
    else if (seen.has(checked.custom_id)) {
      errors.push(
        error(
          row,
          "duplicate_custom_id",
          `Line ${row}: 'custom_id' ${JSON.stringify(checked.custom_id.slice(0, 100))} is used by an earlier line.`,
          "custom_id",
        ),
      );
    } else {
      seen.add(checked.custom_id);
      if (seen.size > options.maxRequests) {
        return {
          ok: false,
          errors: [
            error(
              null,
              "too_many_requests",
              `The input file has more than ${options.maxRequests} requests, the most a batch takes.`,
            ),
          ],
        };
      }
      inputs += inputCount(checked.body as Record<string, unknown>);
      if (inputs > MAX_BATCH_INPUTS) {
        return {
          ok: false,
          errors: [
            error(
              row,
              "too_many_inputs",
              `Line ${row} takes the batch past ${MAX_BATCH_INPUTS} embedding inputs, the most a batch takes.`,
            ),
          ],
        };
      }
      pending.push(checked);
      if (pending.length === options.partSize) await flush();
    }
    if (errors.length >= MAX_ERRORS) break;
  }
  await flush();
  if (errors.length > 0) return { ok: false, errors };
  if (seen.size === 0)
    return {
      ok: false,
      errors: [error(null, "empty_file", "The input file has no requests.")],
    };
  return { ok: true, requests: seen.size, parts };
}
