/**
 * The JSON pieces of a route's `createRoute` config. A documented JSON answer: `jsonResponse(Schema, "Created key")` is one
 * `responses` entry of `createRoute` (@hono/zod-openapi), the schema both typing the
 * handler's `c.json(...)` and generating `/openapi.json`.
 */
import type { z } from "@hono/zod-openapi";

export function jsonResponse<S extends z.ZodType>(
  schema: S,
  description: string,
) {
  return { description, content: { "application/json": { schema } } };
}

/**
 * A required JSON request body validated by `schema` (read first by
 * middleware/json-body.ts; failures answered by routes/validation-hook.ts).
 */
export function jsonRequestBody<S extends z.ZodType>(schema: S) {
  return { content: { "application/json": { schema } }, required: true };
}
