/**
 * From raw request to a validated EmbeddingRequest, or the exact OpenAI error: wrong
 * content type, body over the limit (413, counted while streaming so a lying or absent
 * Content-Length cannot get past it), invalid JSON, then the schema. Of several
 * problems, the one reported is the one OpenAI would report first: unknown arguments,
 * then fields in schema order.
 */
import type { z } from "@hono/zod-openapi";
import { ApiError, invalidRequest } from "../errors/api-error";
import { EmbeddingRequestSchema, paramOf, type EmbeddingRequest } from "./request-schema";
import { readJsonBody } from "../middleware/json-body";

export async function parseEmbeddingRequest(request: Request, maxBodyBytes: number): Promise<EmbeddingRequest> {
  const body = await readJsonBody(request, maxBodyBytes);
  if (typeof body !== "object" || body === null || Array.isArray(body)) {
    throw invalidRequest("The request body must be a JSON object.");
  }
  const result = EmbeddingRequestSchema.safeParse(body);
  if (result.success) return result.data;
  throw errorFromIssue(firstIssue(result.error.issues));
}

const FIELD_ORDER = Object.keys(EmbeddingRequestSchema.shape);

function firstIssue(issues: z.core.$ZodIssue[]): z.core.$ZodIssue {
  const rank = (issue: z.core.$ZodIssue) =>
    issue.code === "unrecognized_keys" ? -1 : FIELD_ORDER.indexOf(String(issue.path[0]));
  return [...issues].sort((a, b) => rank(a) - rank(b))[0]!;
}

function errorFromIssue(issue: z.core.$ZodIssue): ApiError {
  if (issue.code === "unrecognized_keys") {
    const key = issue.keys[0]!;
    return invalidRequest(`Unrecognized request argument supplied: ${key}`, key);
  }
  return invalidRequest(issue.message, paramOf(issue.path));
}
