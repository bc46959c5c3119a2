/**
 * `Authorization: Bearer $ADMIN_TOKEN` for `/admin/v1/*`. Compared as SHA-256 digests
 * with crypto.subtle.timingSafeEqual, so neither the token's length nor a prefix leaks
 * through timing. No ADMIN_TOKEN configured means no admin access at all (fail closed).
 */
import type { MiddlewareHandler } from "hono";
import { ApiError } from "../errors/api-error";
import type { AppEnv } from "../app-env";
import { digestsEqual, sha256Bytes } from "../tenants/secret-digest";
import { bearerToken } from "./bearer-token";

export function adminAuth(): MiddlewareHandler<AppEnv> {
  return async function adminAuthMiddleware(c, next) {
    const expected = c.get("services").config.tenancy.adminToken;
    const presented = bearerToken(c.req.header("authorization"));
    const ok = expected !== undefined && presented !== null && digestsEqual(await sha256Bytes(presented), await sha256Bytes(expected));
    if (!ok) throw new ApiError("invalid_api_key", "Invalid or missing admin token.", { code: "invalid_admin_token" });
    await next();
  };
}
