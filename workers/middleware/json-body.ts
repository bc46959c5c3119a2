/**
 * The pre-validation middleware of every route with a JSON body: reads the body through
 * http/json-object-body.ts (content type, Content-Encoding, size, JSON, object: OpenAI's
 * order) and leaves the parsed object where the route's generated zod validator reads it
 * (`c.req.json()` answers from `c.req.bodyCache`). The validator's failures become our
 * envelopes in routes/validation-hook.ts. Runs after authentication, so a stranger's bad
 * body is a 401, not a 400.
 */
import type { Context, MiddlewareHandler } from "hono";
import type { AppEnv } from "../app-env";
import { parseJsonObject, readJsonText } from "../http/json-object-body";

export interface JsonBodyOptions {
  /** Most decoded bytes accepted (413 past it); a function when it is configuration. */
  maxBytes: number | ((c: Context<AppEnv>) => number);
  /** Checks the parsed object before the schema sees it (throws ApiError); e.g. keys zod would drop. */
  check?: (body: Record<string, unknown>) => void;
}

/**
 * The body's decoded text, read once per request (bounded, content type checked) and kept
 * in `c.req.bodyCache.text`, so a step that needs the exact bytes (a webhook signature)
 * and the parser below read the same one.
 */
export async function bodyText(
  c: Context<AppEnv>,
  maxBytes: number,
): Promise<string> {
  const cached: unknown = c.req.bodyCache.text;
  if (cached !== undefined) return await (cached as Promise<string>);
  const text = readJsonText(c.req.raw, maxBytes);
  // Hono keeps promises in bodyCache (HonoRequest#cachedBody, hono 4.13); its type names the value.
  c.req.bodyCache.text = text as unknown as string;
  return await text;
}

export function jsonBody(options: JsonBodyOptions): MiddlewareHandler<AppEnv> {
  const { maxBytes, check } = options;
  return async function jsonBodyMiddleware(c, next) {
    const body = parseJsonObject(
      await bodyText(c, typeof maxBytes === "number" ? maxBytes : maxBytes(c)),
    );
    check?.(body);
    c.req.bodyCache.json = Promise.resolve(body);
    await next();
  };
}
