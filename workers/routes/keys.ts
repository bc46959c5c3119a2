/**
 * `/v1/keys`: a tenant manages its own API keys with a key that has the `keys` scope.
 * The tenant is always the calling key's, never a parameter: another tenant's key id
 * reads as absent (404). Same store, records and revocation as the admin API
 * (tenants/store.ts), so a key revoked here is refused like one revoked by an operator:
 * within the key resolver's cache TTL (TENANT_CACHE_TTL_MS, 2 s by default, 5 s at most;
 * tenants/key-resolver.ts).
 *
 * A new key never grants more than the key that creates it: `scopes` defaults to the
 * creator's and a scope the creator lacks is a 403 naming `scopes`. A tenant holds at
 * most MAX_ACTIVE_KEYS unrevoked keys, so a leaked `keys` key cannot fill the store.
 */
import { createRoute, z, type OpenAPIHono } from "@hono/zod-openapi";
import type { AppEnv } from "../app-env";
import { ApiError } from "../errors/api-error";
import { apiKeyAuth, ownTenantMissing } from "../middleware/auth";
import { jsonBody } from "../middleware/json-body";
import { isKeyId } from "../tenants/ids";
import {
  CreatedOwnKeySchema,
  CreateOwnKeySchema,
  OwnKeyListSchema,
  OwnKeySchema,
  ownKey,
} from "../tenants/self-service-schemas";
import { keyView } from "../tenants/records";
import type { Scope } from "../tenants/records";
import { ADMIN_MAX_BODY_BYTES } from "./admin";
import { errorResponses } from "./error-responses";
import { jsonRequestBody, jsonResponse } from "./json-response";

/**
 * Unrevoked keys a tenant may hold; checked before each creation (not atomic: a few
 * concurrent creations may pass it together).
 */
export const MAX_ACTIVE_KEYS = 100;

const security = [{ bearerAuth: ["keys"] }];
const auth = apiKeyAuth({ scope: "keys" });
const KEY_ERRORS = [
  [401, "Missing, malformed, unknown or revoked API key"],
  [404, "The key's tenant no longer exists"],
  [503, "Tenancy store unavailable"],
] as const;
const SCOPE_403 = [
  403,
  "The key lacks the 'keys' scope, or the tenant is suspended",
] as const;

const listRoute = createRoute({
  method: "get",
  path: "/v1/keys",
  summary: "List your API keys (never their secrets)",
  security,
  middleware: [auth] as const,
  responses: {
    200: jsonResponse(
      OwnKeyListSchema,
      "Your keys, oldest first, revoked ones included",
    ),
    ...errorResponses(...KEY_ERRORS, SCOPE_403),
  },
});

const createKeyRoute = createRoute({
  method: "post",
  path: "/v1/keys",
  summary: "Create an API key; the full key is in this answer only",
  security,
  middleware: [auth, jsonBody({ maxBytes: ADMIN_MAX_BODY_BYTES })] as const,
  request: {
    body: jsonRequestBody(CreateOwnKeySchema),
  },
  responses: {
    201: jsonResponse(
      CreatedOwnKeySchema,
      "The new key, its secret included once",
    ),
    ...errorResponses(
      [400, "Invalid body, or MAX_ACTIVE_KEYS unrevoked keys already"],
      [
        403,
        "The key lacks the 'keys' scope or a scope it asks for, or the tenant is suspended",
      ],
      413,
      415,
      ...KEY_ERRORS,
    ),
  },
});

const revokeRoute = createRoute({
  method: "delete",
  path: "/v1/keys/{id}",
  summary:
    "Revoke one of your API keys (refused everywhere within TENANT_CACHE_TTL_MS, at most 5 s)",
  security,
  middleware: [auth] as const,
  request: {
    params: z.object({
      id: z.string().openapi({
        param: { name: "id", in: "path" },
        example: "Xq3v9TzL0aBcDeFg",
      }),
    }),
  },
  responses: {
    200: jsonResponse(
      OwnKeySchema,
      "The key, revoked (also when it already was: its first revocation time)",
    ),
    ...errorResponses(
      [401, KEY_ERRORS[0][1]],
      [404, "None of your keys has this id"],
      [503, KEY_ERRORS[2][1]],
      SCOPE_403,
    ),
  },
});

// Ids are echoed only when well-formed: a mistyped path may hold a pasted secret key.
function keyNotFound(id: string): ApiError {
  const message = isKeyId(id)
    ? `No API key with id '${id}'.`
    : "No API key with that id.";
  return new ApiError("not_found", message, {
    param: "id",
    code: "key_not_found",
  });
}

/** Registers `GET /v1/keys`, `POST /v1/keys` and `DELETE /v1/keys/{id}`. */
export function registerKeys(app: OpenAPIHono<AppEnv>): void {
  app.openapi(listRoute, async (c) => {
    const keys = await c
      .get("services")
      .tenancy()
      .tenants.listKeys(c.get("principal").tenantId);
    if (keys === null) throw ownTenantMissing();
    return c.json({ object: "list" as const, data: keys.map(ownKey) }, 200);
  });

  app.openapi(createKeyRoute, async (c) => {
    const principal = c.get("principal");
    const input = c.req.valid("json");
    const scopes: readonly Scope[] = input.scopes ?? principal.scopes;
    const beyond = scopes.filter((scope) => !principal.scopes.includes(scope));
    if (beyond.length > 0) {
      const list = beyond.map((s) => `'${s}'`).join(", ");
      throw new ApiError(
        "permission_denied",
        `A key cannot grant scopes it does not have itself: ${list}.`,
        {
          param: "scopes",
          code: "insufficient_permissions",
        },
      );
    }
    const store = c.get("services").tenancy().tenants;
    const existing = await store.listKeys(principal.tenantId);
    if (existing === null) throw ownTenantMissing();
    if (
      existing.filter((k) => k.revoked_at === null).length >= MAX_ACTIVE_KEYS
    ) {
      const message = `This tenant already has ${MAX_ACTIVE_KEYS} active API keys; revoke one first.`;
      throw new ApiError("invalid_request", message, { code: "too_many_keys" });
    }
    const created = await store.createKey(principal.tenantId, {
      name: input.name ?? null,
      scopes,
    });
    if (created === null) throw ownTenantMissing();
    return c.json(
      { ...ownKey(keyView(created.record)), key: created.key },
      201,
    );
  });

  app.openapi(revokeRoute, async (c) => {
    const { id } = c.req.valid("param");
    const store = c.get("services").tenancy().tenants;
    const record = await store.getKey(id);
    // A key's tenant never changes, so checking before revoking cannot race.
    if (record === null || record.tenant_id !== c.get("principal").tenantId)
      throw keyNotFound(id);
    const revoked = await store.revokeKey(id);
    if (revoked === null) throw keyNotFound(id);
    return c.json(ownKey(keyView(revoked)), 200);
  });
}
