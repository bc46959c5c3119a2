/**
 * Lines of a batch's output and error files, OpenAI's `BatchRequestOutput` (OpenAPI
 * spec 2.3.0, "The per-line object of the batch output and error files"):
 * `{id, custom_id, response: {status_code, request_id, body} | null, error: {code,
 * message} | null}`. A request that ran carries its HTTP answer in `response` (the
 * error envelope for a 4xx/5xx, which then goes to the error file); a request that never
 * ran (the batch expired first) has `response: null` and `error.code: "batch_expired"`.
 *
 * A success line embeds the `/v1/embeddings` body as rendered for the online route,
 * byte for byte, so its vectors are exactly the online ones.
 */
import type { ApiErrorBody } from "../errors/api-error";
import { randomBase62 } from "../tenants/key-format";

const lineId = () => `batch_req_${randomBase62(24)}`;

/** A 200: `body` is the JSON text of the `/v1/embeddings` response. */
export function successLine(
  customId: string,
  requestId: string,
  body: string,
): string {
  const head = JSON.stringify({ id: lineId(), custom_id: customId });
  return `${head.slice(0, -1)},"response":{"status_code":200,"request_id":${JSON.stringify(requestId)},"body":${body}},"error":null}`;
}

/** A request answered with an error status; the body is OpenAI's error envelope, as online. */
export function failureLine(
  customId: string,
  requestId: string,
  status: number,
  error: ApiErrorBody,
): string {
  return JSON.stringify({
    id: lineId(),
    custom_id: customId,
    response: { status_code: status, request_id: requestId, body: { error } },
    error: null,
  });
}

/** A request that never ran: the batch passed its completion window. */
export function expiredLine(customId: string): string {
  return JSON.stringify({
    id: lineId(),
    custom_id: customId,
    response: null,
    error: {
      code: "batch_expired",
      message:
        "This request could not be executed before the completion window expired.",
    },
  });
}
