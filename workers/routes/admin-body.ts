/**
 * Reads and validates an admin request body: bounded JSON (middleware/json-body.ts),
 * then the route's strict schema. Of several problems the one reported is an unknown
 * field first, then fields in schema order, with `param` naming it (`plan.tokens_per_minute`).
 */
import type { z } from "@hono/zod-openapi";
import { invalidRequest } from "../errors/api-error";
import { schemaError } from "../errors/schema-error";
import { readJsonBody } from "../middleware/json-body";

/** Admin bodies are a name, a plan and a few scopes; anything near this is not one. */
export const ADMIN_MAX_BODY_BYTES = 64 * 1024;

export async function parseAdminBody<S extends z.ZodObject>(request: Request, schema: S): Promise<z.output<S>> {
  const body = await readJsonBody(request, ADMIN_MAX_BODY_BYTES);
  if (typeof body !== "object" || body === null || Array.isArray(body)) {
    throw invalidRequest("The request body must be a JSON object.");
  }
  const result = schema.safeParse(body);
  if (result.success) return result.data;
  throw schemaError(result.error.issues, Object.keys(schema.shape));
}
