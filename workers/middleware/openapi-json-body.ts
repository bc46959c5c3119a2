/**
 * JSON bodies for routes registered with `app.openapi` (whose schema both documents and
 * validates the body). @hono/zod-openapi 1.6 runs a route's own middleware before its
 * validators (`this.on(method, path, ...middleware, ...validators, handler)` in its
 * dist/index.mjs), so `openapiJsonBody` reads the body first, through the bounded reader
 * (json-body.ts: content type checked, bytes counted while streaming, our `invalid_json`
 * 400), and leaves the text in the request's body cache, where the validator's
 * `c.req.json()` finds it instead of reading the stream again (hono 4.13
 * src/request.ts `#cachedBody`). `rejectInvalidBody` is the validators' hook that turns a
 * failed parse into the same 400 as the admin routes (errors/schema-error.ts).
 */
import type { z } from "@hono/zod-openapi";
import type { MiddlewareHandler } from "hono";
import type { AppEnv } from "../app-env";
import { invalidRequest } from "../errors/api-error";
import { schemaError } from "../errors/schema-error";
import { parseJsonText, readJsonText } from "./json-body";

/** hono keeps promises in the body cache, though its type names the resolved values. */
type PromisedBodyCache = { text?: Promise<string> };

/**
 * Reads a JSON object body of at most `maxBytes` (decoded); 400 when it is not JSON,
 * not an object, or not sent as JSON; 413 when larger.
 */
export function openapiJsonBody(maxBytes: number): MiddlewareHandler<AppEnv> {
  return async function openapiJsonBodyMiddleware(c, next) {
    const text = await readJsonText(c.req.raw, maxBytes);
    const body = parseJsonText(text);
    if (typeof body !== "object" || body === null || Array.isArray(body)) {
      throw invalidRequest("The request body must be a JSON object.");
    }
    (c.req.bodyCache as unknown as PromisedBodyCache).text = Promise.resolve(text);
    await next();
  };
}

type ValidationResult =
  | { success: true }
  | { success: false; error: { issues: readonly z.core.$ZodIssue[] } };

/**
 * A validator hook for one body schema: the first problem, unknown fields first, then
 * fields in `fieldOrder`, as a 400 naming the field.
 */
export function rejectInvalidBody(fieldOrder: readonly string[]) {
  return (result: ValidationResult): undefined => {
    if (!result.success) throw schemaError(result.error.issues, fieldOrder);
    return undefined;
  };
}
