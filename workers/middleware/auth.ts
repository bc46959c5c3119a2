/**
 * API-key authentication for `/v1/*`. The middleware only knows the KeyResolver
 * interface: today a static list from configuration (`API_KEYS`), later the tenancy
 * store, without the routes changing. Fail closed: any resolver error is a 401/500,
 * never an anonymous pass.
 */
import type { MiddlewareHandler } from "hono";
import { ApiError } from "../errors/api-error";
import type { AppEnv } from "../app-env";

export type Scope = "embed" | "index" | "usage";

export interface Principal {
  tenantId: string;
  keyId: string;
  scopes: readonly Scope[];
}

export type KeyResolver = (presentedKey: string) => Promise<Principal | null>;

const MISSING_KEY =
  "You didn't provide an API key. You need to provide your API key in an Authorization header using Bearer auth (i.e. Authorization: Bearer YOUR_KEY).";
const BAD_KEY = "Incorrect API key provided. Check the key you are using, or ask your administrator for a new one.";

function bearerToken(header: string | undefined): string | null {
  const match = header?.match(/^Bearer[ \t]+(\S+)[ \t]*$/i);
  return match?.[1] ?? null;
}

export function apiKeyAuth(options: { resolver: (env: AppEnv["Bindings"]) => KeyResolver; scope: Scope }): MiddlewareHandler<AppEnv> {
  return async function apiKeyAuthMiddleware(c, next) {
    const header = c.req.header("authorization");
    if (!header) throw new ApiError("invalid_api_key", MISSING_KEY);
    const key = bearerToken(header);
    const principal = key === null ? null : await options.resolver(c.env)(key);
    if (!principal) throw new ApiError("invalid_api_key", BAD_KEY, { code: "invalid_api_key" });
    if (!principal.scopes.includes(options.scope)) {
      throw new ApiError("permission_denied", `This API key does not have the '${options.scope}' scope.`, {
        code: "insufficient_permissions",
      });
    }
    c.set("principal", principal);
    await next();
  };
}
