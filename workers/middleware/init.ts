/**
 * Hands the isolate's services (workers/services.ts) to the request as
 * `c.get("services")`. Runs right after the request id, so a configuration error is
 * answered as a 500 that carries the request id and is logged naming the variable
 * (errors/on-error.ts), before any route reads configuration.
 */
import type { MiddlewareHandler } from "hono";
import type { AppEnv } from "../app-env";
import { servicesFor } from "../services";

export function init(): MiddlewareHandler<AppEnv> {
  return async function initMiddleware(c, next) {
    c.set("services", servicesFor(c.env));
    await next();
  };
}
