/**
 * From raw request to a validated EmbeddingRequest, or the exact OpenAI error, outside the
 * route (unit tests; a batch input line's `body`): the same JSON object reader
 * (http/json-object-body.ts) and the same schema errors (errors/schema-error.ts) as
 * `POST /v1/embeddings`, whose route applies them as middleware and validation hook.
 */
import { asJsonObject, readJsonObject } from "../http/json-object-body";
import { validated } from "../errors/schema-error";
import {
  EmbeddingRequestSchema,
  type EmbeddingRequest,
} from "./request-schema";

export async function parseEmbeddingRequest(
  request: Request,
  maxBodyBytes: number,
): Promise<EmbeddingRequest> {
  return validateEmbeddingBody(await readJsonObject(request, maxBodyBytes));
}

/** An already-parsed body (a batch line's `body`) checked like a request's, with the same errors. */
export function validateEmbeddingBody(body: unknown): EmbeddingRequest {
  return validated(EmbeddingRequestSchema, asJsonObject(body));
}
