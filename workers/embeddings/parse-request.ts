/**
 * From raw request to a validated EmbeddingRequest, or the exact OpenAI error: wrong
 * content type, a Content-Encoding other than gzip/deflate (415), body over the limit
 * (413, decoded bytes counted while streaming so a lying or absent Content-Length or a
 * compressed body cannot get past it), invalid JSON, then the schema. Of several
 * problems, the one reported is the one OpenAI would report first: unknown arguments,
 * then fields in schema order.
 */
import { invalidRequest } from "../errors/api-error";
import { schemaError } from "../errors/schema-error";
import { EmbeddingRequestSchema, type EmbeddingRequest } from "./request-schema";
import { readJsonBody } from "../middleware/json-body";

export async function parseEmbeddingRequest(request: Request, maxBodyBytes: number): Promise<EmbeddingRequest> {
  return validateEmbeddingBody(await readJsonBody(request, maxBodyBytes));
}

/** An already-parsed body (a batch line's `body`) checked like a request's, with the same errors. */
export function validateEmbeddingBody(body: unknown): EmbeddingRequest {
  if (typeof body !== "object" || body === null || Array.isArray(body)) {
    throw invalidRequest("The request body must be a JSON object.");
  }
  const result = EmbeddingRequestSchema.safeParse(body);
  if (result.success) return result.data;
  throw schemaError(result.error.issues, FIELD_ORDER);
}

const FIELD_ORDER = Object.keys(EmbeddingRequestSchema.shape);
