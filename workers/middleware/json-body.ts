/**
 * Bounded JSON body reading for routes that take JSON: the content type is checked,
 * then the body is read through http/request-body.ts (decoded per Content-Encoding,
 * counted while streaming, so the bound holds whatever Content-Length says).
 */
import { invalidRequest } from "../errors/api-error";
import { readRequestBody } from "../http/request-body";

const JSON_TYPE = /^application\/(?:[\w.+-]+\+)?json\s*(?:;|$)/i;

export async function readJsonBody(request: Request, maxBytes: number): Promise<unknown> {
  return parseJsonText(await readJsonText(request, maxBytes));
}

/** The body as text, for routes that must see its exact (decoded) bytes before parsing (webhook signatures). */
export async function readJsonText(request: Request, maxBytes: number): Promise<string> {
  const contentType = request.headers.get("content-type") ?? "";
  if (!JSON_TYPE.test(contentType)) {
    throw invalidRequest(
      `Invalid content type '${contentType.slice(0, 100)}': the request body must be JSON with 'Content-Type: application/json'.`,
      null,
      "invalid_content_type",
    );
  }
  return new TextDecoder().decode(await readRequestBody(request, maxBytes));
}

export function parseJsonText(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    throw invalidRequest(
      "We could not parse the JSON body of your request. The API expects a JSON payload; make sure the body is valid JSON.",
      null,
      "invalid_json",
    );
  }
}
