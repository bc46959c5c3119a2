/**
 * The admin API, `/admin/v1`: tenants, their API keys and webhook signing secrets,
 * behind `Authorization: Bearer $ADMIN_TOKEN` (middleware/admin-auth.ts). Bodies are
 * read by middleware/json-body.ts and validated by the strict schemas in
 * tenants/admin-schemas.ts, which also generate the OpenAPI entries below. A malformed id
 * is answered like an absent one (404, tenants/ids.ts has the one rule) without reaching
 * Redis, before any body is read.
 */
import { createRoute, z, type OpenAPIHono } from "@hono/zod-openapi";
import type { Context, MiddlewareHandler } from "hono";
import type { AppEnv } from "../app-env";
import { ApiError } from "../errors/api-error";
import { adminAuth } from "../middleware/admin-auth";
import { jsonBody } from "../middleware/json-body";
import {
  ApiKeyListSchema,
  CreatedKeySchema,
  CreateKeySchema,
  CreateTenantSchema,
  PatchTenantSchema,
  RotatedWebhookSecretSchema,
  RotateWebhookSecretSchema,
  WebhookSecretInfoSchema,
} from "../tenants/admin-schemas";
import { isKeyId, isTenantId } from "../tenants/ids";
import { TenantSchema } from "../tenants/records";
import { TenantStore } from "../tenants/store";
import { WebhookSecretStore } from "../tenants/webhook-secret-store";
import { errorResponses } from "./error-responses";
import { jsonRequestBody, jsonResponse } from "./json-response";

/** Admin bodies are a name, a plan and a few scopes; anything near this is not one. */
export const ADMIN_MAX_BODY_BYTES = 64 * 1024;

/** What every admin route can answer besides its own: the token check, and the tenancy store being down. */
const ADMIN_ERRORS = [
  [401, "Missing or wrong admin token"],
  [503, "Tenancy store unavailable"],
] as const;
const security = [{ adminToken: [] }];
export const tenantIdParam = z.object({
  id: z.string().openapi({
    param: { name: "id", in: "path" },
    example: "ten_4fQm0uB1r6ZkX9aE",
  }),
});
const keyIdParam = z.object({
  keyId: z.string().openapi({
    param: { name: "keyId", in: "path" },
    example: "Xq3v9TzL0aBcDeFg",
  }),
});
const body = <S extends z.ZodType>(schema: S) => ({
  body: jsonRequestBody(schema),
});
const readBody = () => jsonBody({ maxBytes: ADMIN_MAX_BODY_BYTES });

/** 404 before anything else when the path's tenant id cannot exist. */
export function wellFormedTenantId(): MiddlewareHandler<AppEnv> {
  return async function wellFormedTenantIdMiddleware(c, next) {
    const id = c.req.param("id") ?? "";
    if (!isTenantId(id)) throw tenantNotFound(id);
    await next();
  };
}

const createTenantRoute = createRoute({
  method: "post",
  path: "/admin/v1/tenants",
  summary: "Create a tenant",
  security,
  middleware: [readBody()] as const,
  request: body(CreateTenantSchema),
  responses: {
    201: jsonResponse(TenantSchema, "Created tenant"),
    ...errorResponses(400, 413, 415, ...ADMIN_ERRORS),
  },
});

const getTenantRoute = createRoute({
  method: "get",
  path: "/admin/v1/tenants/{id}",
  summary: "Show a tenant",
  security,
  middleware: [wellFormedTenantId()] as const,
  request: { params: tenantIdParam },
  responses: {
    200: jsonResponse(TenantSchema, "Tenant"),
    ...errorResponses([404, "No such tenant"], ...ADMIN_ERRORS),
  },
});

const patchTenantRoute = createRoute({
  method: "patch",
  path: "/admin/v1/tenants/{id}",
  summary: "Change a tenant's name, plan (merged field by field) or status",
  security,
  middleware: [wellFormedTenantId(), readBody()] as const,
  request: { params: tenantIdParam, ...body(PatchTenantSchema) },
  responses: {
    200: jsonResponse(TenantSchema, "Updated tenant"),
    ...errorResponses(400, [404, "No such tenant"], 413, 415, ...ADMIN_ERRORS),
  },
});

const createKeyRoute = createRoute({
  method: "post",
  path: "/admin/v1/tenants/{id}/keys",
  summary: "Create an API key; the full key is in this answer only",
  security,
  middleware: [wellFormedTenantId(), readBody()] as const,
  request: { params: tenantIdParam, ...body(CreateKeySchema) },
  responses: {
    201: jsonResponse(CreatedKeySchema, "Created key, secret included once"),
    ...errorResponses(400, [404, "No such tenant"], 413, 415, ...ADMIN_ERRORS),
  },
});

const listKeysRoute = createRoute({
  method: "get",
  path: "/admin/v1/tenants/{id}/keys",
  summary: "List a tenant's keys",
  security,
  middleware: [wellFormedTenantId()] as const,
  request: { params: tenantIdParam },
  responses: {
    200: jsonResponse(ApiKeyListSchema, "The tenant's keys, oldest first"),
    ...errorResponses([404, "No such tenant"], ...ADMIN_ERRORS),
  },
});

const revokeKeyRoute = createRoute({
  method: "delete",
  path: "/admin/v1/keys/{keyId}",
  summary: "Revoke an API key",
  security,
  request: { params: keyIdParam },
  responses: {
    204: { description: "Revoked (also when it already was)" },
    ...errorResponses([404, "No such key"], ...ADMIN_ERRORS),
  },
});

const rotateSecretRoute = createRoute({
  method: "post",
  path: "/admin/v1/tenants/{id}/webhook-secret",
  summary:
    "Make a new webhook signing secret; the previous one verifies for a grace period. The secret is in this answer only",
  security,
  middleware: [wellFormedTenantId(), readBody()] as const,
  request: { params: tenantIdParam, ...body(RotateWebhookSecretSchema) },
  responses: {
    201: jsonResponse(RotatedWebhookSecretSchema, "New secret, included once"),
    ...errorResponses(400, [404, "No such tenant"], 413, 415, ...ADMIN_ERRORS),
  },
});

const secretInfoRoute = createRoute({
  method: "get",
  path: "/admin/v1/tenants/{id}/webhook-secret",
  summary:
    "Whether a tenant has a webhook signing secret, and since when (never the secret)",
  security,
  middleware: [wellFormedTenantId()] as const,
  request: { params: tenantIdParam },
  responses: {
    200: jsonResponse(
      WebhookSecretInfoSchema,
      "The tenant's webhook secret, without the secret",
    ),
    ...errorResponses([404, "No such tenant"], ...ADMIN_ERRORS),
  },
});

function storeFor(c: Context<AppEnv>): TenantStore {
  return c.get("services").tenancy().tenants;
}

function webhookSecretsFor(c: Context<AppEnv>): WebhookSecretStore {
  return c.get("services").tenancy().webhookSecrets;
}

// Ids are echoed only when well-formed: a mistyped path may hold a pasted secret key.
export function tenantNotFound(id: string): ApiError {
  return new ApiError(
    "not_found",
    isTenantId(id) ? `No tenant with id '${id}'.` : "No tenant with that id.",
    { code: "tenant_not_found" },
  );
}

function keyNotFound(id: string): ApiError {
  return new ApiError(
    "not_found",
    isKeyId(id) ? `No API key with id '${id}'.` : "No API key with that id.",
    { code: "key_not_found" },
  );
}

export function registerAdmin(app: OpenAPIHono<AppEnv>): void {
  app.openAPIRegistry.registerComponent("securitySchemes", "adminToken", {
    type: "http",
    scheme: "bearer",
    description: "ADMIN_TOKEN",
  });

  // Before every admin route, including ones registered later in other files.
  app.use("/admin/v1/*", adminAuth());

  app.openapi(createTenantRoute, async (c) =>
    c.json(await storeFor(c).createTenant(c.req.valid("json")), 201),
  );

  app.openapi(getTenantRoute, async (c) => {
    const { id } = c.req.valid("param");
    const tenant = await storeFor(c).getTenant(id);
    if (!tenant) throw tenantNotFound(id);
    return c.json(tenant, 200);
  });

  app.openapi(patchTenantRoute, async (c) => {
    const { id } = c.req.valid("param");
    const tenant = await storeFor(c).updateTenant(id, c.req.valid("json"));
    if (!tenant) throw tenantNotFound(id);
    return c.json(tenant, 200);
  });

  app.openapi(createKeyRoute, async (c) => {
    const { id } = c.req.valid("param");
    const created = await storeFor(c).createKey(id, c.req.valid("json"));
    if (!created) throw tenantNotFound(id);
    const { record, key } = created;
    return c.json(
      {
        id: record.id,
        key,
        prefix: record.prefix,
        scopes: record.scopes,
        created_at: record.created_at,
      },
      201,
    );
  });

  app.openapi(listKeysRoute, async (c) => {
    const { id } = c.req.valid("param");
    const keys = await storeFor(c).listKeys(id);
    if (!keys) throw tenantNotFound(id);
    return c.json({ object: "list" as const, data: keys }, 200);
  });

  app.openapi(revokeKeyRoute, async (c) => {
    const { keyId } = c.req.valid("param");
    if (!(await storeFor(c).revokeKey(keyId))) throw keyNotFound(keyId);
    return c.body(null, 204);
  });

  app.openapi(rotateSecretRoute, async (c) => {
    const { id } = c.req.valid("param");
    const input = c.req.valid("json");
    const rotated = await webhookSecretsFor(c).rotateWebhookSecret(
      id,
      input.grace_seconds === undefined
        ? {}
        : { graceSeconds: input.grace_seconds },
    );
    if (!rotated) throw tenantNotFound(id);
    return c.json(
      { object: "webhook_secret" as const, tenant_id: id, ...rotated },
      201,
    );
  });

  app.openapi(secretInfoRoute, async (c) => {
    const { id } = c.req.valid("param");
    const view = await webhookSecretsFor(c).webhookSecretView(id);
    if (!view) throw tenantNotFound(id);
    return c.json(
      { object: "webhook_secret" as const, tenant_id: id, ...view },
      200,
    );
  });
}
