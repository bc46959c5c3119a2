/**
 * API-key authentication for `/v1/*`, one middleware for every route, each naming the
 * scope it needs. Keys resolve to a tenant through the tenancy store
 * (tenants/key-resolver.ts): a missing, malformed, unknown or revoked key is 401, a key
 * without the route's scope or of a suspended tenant is 403, all in OpenAI's envelope.
 * Fail closed: when the store cannot be reached the resolver throws a 503 and nothing
 * is admitted unverified.
 */
import type { MiddlewareHandler } from "hono";
import { ApiError } from "../errors/api-error";
import type { AppEnv } from "../app-env";
import { tenantSuspended } from "../tenants/tenant-suspended";
import type { Scope } from "../tenants/records";
import { bearerToken } from "../http/bearer-token";

const MISSING_KEY =
  "You didn't provide an API key. You need to provide your API key in an Authorization header using Bearer auth (i.e. Authorization: Bearer YOUR_KEY).";
const BAD_KEY =
  "Incorrect API key provided. Check the key you are using, or ask your administrator for a new one.";

/**
 * A verified key whose tenant record is missing, met by routes that read the caller's
 * own tenant: nothing deletes tenants today, but the store's null needs an answer.
 */
export function ownTenantMissing(): ApiError {
  const message = "This API key's tenant no longer exists.";
  return new ApiError("not_found", message, { code: "tenant_not_found" });
}

export function apiKeyAuth(options: {
  scope: Scope;
}): MiddlewareHandler<AppEnv> {
  return async function apiKeyAuthMiddleware(c, next) {
    const header = c.req.header("authorization");
    if (!header) throw new ApiError("invalid_api_key", MISSING_KEY);
    const key = bearerToken(header);
    if (key === null)
      throw new ApiError("invalid_api_key", BAD_KEY, {
        code: "invalid_api_key",
      });
    const resolution = await c
      .get("services")
      .tenancy()
      .keyResolver(key, (work) => c.executionCtx.waitUntil(work));
    if (!resolution.ok) {
      if (resolution.reason === "suspended") throw tenantSuspended();
      throw new ApiError("invalid_api_key", BAD_KEY, {
        code: "invalid_api_key",
      });
    }
    if (!resolution.principal.scopes.includes(options.scope)) {
      throw new ApiError(
        "permission_denied",
        `This API key does not have the '${options.scope}' scope.`,
        {
          code: "insufficient_permissions",
        },
      );
    }
    c.set("principal", resolution.principal);
    await next();
  };
}
