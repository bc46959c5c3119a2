/**
 * Bounded JSON body reading for routes that take JSON. The body is streamed and counted,
 * so the bound holds whatever Content-Length says (or when it is absent, as with
 * chunked uploads); a declared length over the bound is refused before reading.
 */
import { ApiError, invalidRequest } from "../errors/api-error";
import { readAtMost } from "../http/read-at-most";

const JSON_TYPE = /^application\/(?:[\w.+-]+\+)?json\s*(?:;|$)/i;

function tooLarge(maxBytes: number): ApiError {
  return new ApiError("request_too_large", `Request body too large: the limit is ${maxBytes} bytes.`, {
    code: "request_too_large",
  });
}

export async function readJsonBody(request: Request, maxBytes: number): Promise<unknown> {
  return parseJsonText(await readJsonText(request, maxBytes));
}

/** The body as text, for routes that must see its exact bytes (webhook signatures) before parsing. */
export async function readJsonText(request: Request, maxBytes: number): Promise<string> {
  const contentType = request.headers.get("content-type") ?? "";
  if (!JSON_TYPE.test(contentType)) {
    throw invalidRequest(
      `Invalid content type '${contentType.slice(0, 100)}': the request body must be JSON with 'Content-Type: application/json'.`,
      null,
      "invalid_content_type",
    );
  }
  const declared = Number(request.headers.get("content-length"));
  if (Number.isFinite(declared) && declared > maxBytes) throw tooLarge(maxBytes);

  return new TextDecoder().decode(await readBounded(request, maxBytes));
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

async function readBounded(request: Request, maxBytes: number): Promise<Uint8Array> {
  const bytes = await readAtMost(request.body, maxBytes);
  if (bytes === null) throw tooLarge(maxBytes);
  return bytes;
}
