/**
 * A documented JSON answer of a route: `jsonResponse(Schema, "Created key")` is one
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
