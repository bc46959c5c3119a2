/**
 * Reads and validates an admin request body: bounded JSON (middleware/json-body.ts),
 * then the route's strict schema. Of several problems the one reported is an unknown
 * field first, then fields in schema order, with `param` naming it (`plan.tokens_per_minute`).
 */
import type { z } from "@hono/zod-openapi";
import { invalidRequest, type ApiError } from "../errors/api-error";
import { readJsonBody } from "../middleware/json-body";
import { paramOf } from "../embeddings/request-schema";

/** Admin bodies are a name, a plan and a few scopes; anything near this is not one. */
export const ADMIN_MAX_BODY_BYTES = 64 * 1024;

export async function parseAdminBody<S extends z.ZodObject>(request: Request, schema: S): Promise<z.output<S>> {
  const body = await readJsonBody(request, ADMIN_MAX_BODY_BYTES);
  if (typeof body !== "object" || body === null || Array.isArray(body)) {
    throw invalidRequest("The request body must be a JSON object.");
  }
  const result = schema.safeParse(body);
  if (result.success) return result.data;
  throw errorFromIssue(firstIssue(result.error.issues, Object.keys(schema.shape)));
}

function firstIssue(issues: z.core.$ZodIssue[], fieldOrder: string[]): z.core.$ZodIssue {
  const rank = (issue: z.core.$ZodIssue) =>
    issue.code === "unrecognized_keys" ? -1 : issue.path.length === 0 ? fieldOrder.length : fieldOrder.indexOf(String(issue.path[0]));
  return [...issues].sort((a, b) => rank(a) - rank(b))[0]!;
}

function errorFromIssue(issue: z.core.$ZodIssue): ApiError {
  if (issue.code === "unrecognized_keys") {
    const param = paramOf([...issue.path, issue.keys[0]!]);
    return invalidRequest(`Unrecognized request argument supplied: ${param}`, param);
  }
  return invalidRequest(issue.message, issue.path.length === 0 ? null : paramOf(issue.path));
}
