/**
 * `x-request-id`: a client's own id is echoed when it is safe to echo (short, plain
 * characters), so callers can correlate logs; otherwise one is generated. Set before
 * anything else so every error response carries it too.
 */
import type { MiddlewareHandler } from "hono";
import type { AppEnv } from "../app-env";

const SAFE_ID = /^[A-Za-z0-9._:-]{1,128}$/;

export function requestId(): MiddlewareHandler<AppEnv> {
  return async function requestIdMiddleware(c, next) {
    const incoming = c.req.header("x-request-id");
    const id = incoming && SAFE_ID.test(incoming) ? incoming : `req_${crypto.randomUUID().replaceAll("-", "")}`;
    c.set("requestId", id);
    c.header("x-request-id", id);
    await next();
  };
}
