/**
 * A request's JSON object body, in OpenAI's order of checks: content type (400
 * `invalid_content_type`), Content-Encoding (415), size (413, decoded bytes counted while
 * streaming by http/request-body.ts), JSON syntax (400 `invalid_json`), then "an object"
 * (400). The route's zod schema comes after (errors/schema-error.ts). The one reader behind
 * the pre-validation middleware (middleware/json-body.ts) and the unit-level parsers.
 */
import { invalidRequest } from "../errors/api-error";
import { readRequestBody } from "./request-body";

/**
 * What a JSON content type is: the pattern @hono/zod-openapi 1.6.3 applies before its body
 * validator (`jsonRequestRegex` in dist/index.mjs; anything else is its 415). Checking the
 * same pattern first means that gate can never refuse a body this module accepted.
 */
const JSON_TYPE =
  /^application\/([a-z-.]+\+)?json(;\s*[a-zA-Z0-9-]+=([^;]+))*$/i;

/** The body as text, for routes that must see its exact (decoded) bytes before parsing (webhook signatures). */
export async function readJsonText(
  request: Request,
  maxBytes: number,
): Promise<string> {
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

/** `text` parsed as JSON; throws 400 `invalid_json`, or 400 when the value is not an object. */
export function parseJsonObject(text: string): Record<string, unknown> {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw invalidRequest(
      "We could not parse the JSON body of your request. The API expects a JSON payload; make sure the body is valid JSON.",
      null,
      "invalid_json",
    );
  }
  return asJsonObject(value);
}

/** `value` if it is a JSON object (not null, not an array); else the 400 every JSON route answers. */
export function asJsonObject(value: unknown): Record<string, unknown> {
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw invalidRequest("The request body must be a JSON object.");
  }
  return value as Record<string, unknown>;
}

/** Content type, bounded read and JSON object, in that order (see the module header). */
export async function readJsonObject(
  request: Request,
  maxBytes: number,
): Promise<Record<string, unknown>> {
  return parseJsonObject(await readJsonText(request, maxBytes));
}
