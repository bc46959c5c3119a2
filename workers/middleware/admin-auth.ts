/**
 * `Authorization: Bearer $ADMIN_TOKEN` for `/admin/v1/*`, through hono's bearerAuth
 * (hono 4.13, `hono/bearer-auth`): it parses the header (scheme `Bearer`, RFC 6750's
 * b64token syntax, which env.ts requires of ADMIN_TOKEN) and calls `verifyToken`.
 *
 * The comparison is ours: both tokens are hashed with SHA-256 and the digests compared
 * with crypto.subtle.timingSafeEqual (tenants/secret-digest.ts), so neither the token's
 * length nor a matching prefix shows in timing. With no ADMIN_TOKEN configured the
 * presented token is compared with itself, the same two digests and one comparison, and
 * refused whatever the result: no admin access at all (fail closed), at equal cost.
 *
 * Every refusal (no header, another scheme or a malformed token, a wrong token) is the
 * same 401 in OpenAI's envelope with code `invalid_admin_token`: the message hooks throw
 * our ApiError, which errors/on-error.ts renders like every other error (bearerAuth's own
 * responses would be a 400 for a malformed header and a plain-text body).
 */
import type { MiddlewareHandler } from "hono";
import { bearerAuth } from "hono/bearer-auth";
import type { AppEnv } from "../app-env";
import { ApiError } from "../errors/api-error";
import { digestsEqual, sha256Bytes } from "../tenants/secret-digest";

function refused(): never {
  throw new ApiError("invalid_api_key", "Invalid or missing admin token.", {
    code: "invalid_admin_token",
  });
}

/** The `/admin/v1/*` guard: passes only the configured ADMIN_TOKEN, 401 for anything else. */
export function adminAuth(): MiddlewareHandler<AppEnv> {
  return bearerAuth<AppEnv>({
    verifyToken: async (presented, c) => {
      const expected = c.get("services").config.tenancy.adminToken;
      const [a, b] = await Promise.all([
        sha256Bytes(presented),
        sha256Bytes(expected ?? presented),
      ]);
      return digestsEqual(a, b) && expected !== undefined;
    },
    noAuthenticationHeader: { message: refused },
    invalidAuthenticationHeader: { message: refused },
    invalidToken: { message: refused },
  });
}
