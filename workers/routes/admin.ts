/**
 * The admin API, `/admin/v1`: tenants, their API keys and webhook signing secrets,
 * behind `Authorization: Bearer $ADMIN_TOKEN` (middleware/admin-auth.ts). Bodies are
 * validated by the strict schemas in tenants/admin-schemas.ts, which also generate the
 * OpenAPI entries below.
 * A malformed id is answered like an absent one (404) without reaching Redis.
 */
import { createRoute, z, type OpenAPIHono, type RouteConfig } from "@hono/zod-openapi";
import type { Context } from "hono";
import type { AppEnv } from "../app-env";
import { ApiError } from "../errors/api-error";
import { adminAuth } from "../middleware/admin-auth";
import { parseAdminBody } from "./admin-body";
import {
  ApiKeyListSchema,
  CreatedKeySchema,
  CreateKeySchema,
  CreateTenantSchema,
  PatchTenantSchema,
  RotatedWebhookSecretSchema,
  RotateWebhookSecretSchema,
  TenantSchema,
  WebhookSecretInfoSchema,
} from "../tenants/admin-schemas";
import { isKeyId, isTenantId } from "../tenants/ids";
import { TenantStore } from "../tenants/store";
import { WebhookSecretStore } from "../tenants/webhook-secret-store";
import { ErrorEnvelopeSchema } from "./error-schema";

const json = <S extends z.ZodType>(schema: S, description: string) => ({ description, content: { "application/json": { schema } } });
const errors = {
  400: json(ErrorEnvelopeSchema, "Invalid request"),
  401: json(ErrorEnvelopeSchema, "Missing or wrong admin token"),
  404: json(ErrorEnvelopeSchema, "No such tenant or key"),
  503: json(ErrorEnvelopeSchema, "Tenancy store unavailable"),
};
const security = [{ adminToken: [] }];
const tenantIdParam = z.object({ id: z.string().openapi({ param: { name: "id", in: "path" }, example: "ten_4fQm0uB1r6ZkX9aE" }) });
const keyIdParam = z.object({ keyId: z.string().openapi({ param: { name: "keyId", in: "path" }, example: "Xq3v9TzL0aBcDeFg" }) });
const body = <S extends z.ZodType>(schema: S) => ({ body: { content: { "application/json": { schema } }, required: true } });

const ROUTES: RouteConfig[] = [
  createRoute({
    method: "post",
    path: "/admin/v1/tenants",
    summary: "Create a tenant",
    security,
    request: body(CreateTenantSchema),
    responses: { 201: json(TenantSchema, "Created tenant"), ...errors },
  }),
  createRoute({
    method: "get",
    path: "/admin/v1/tenants/{id}",
    summary: "Show a tenant",
    security,
    request: { params: tenantIdParam },
    responses: { 200: json(TenantSchema, "Tenant"), ...errors },
  }),
  createRoute({
    method: "patch",
    path: "/admin/v1/tenants/{id}",
    summary: "Change a tenant's name, plan (merged field by field) or status",
    security,
    request: { params: tenantIdParam, ...body(PatchTenantSchema) },
    responses: { 200: json(TenantSchema, "Updated tenant"), ...errors },
  }),
  createRoute({
    method: "post",
    path: "/admin/v1/tenants/{id}/keys",
    summary: "Create an API key; the full key is in this answer only",
    security,
    request: { params: tenantIdParam, ...body(CreateKeySchema) },
    responses: { 201: json(CreatedKeySchema, "Created key, secret included once"), ...errors },
  }),
  createRoute({
    method: "get",
    path: "/admin/v1/tenants/{id}/keys",
    summary: "List a tenant's keys",
    security,
    request: { params: tenantIdParam },
    responses: { 200: json(ApiKeyListSchema, "The tenant's keys, oldest first"), ...errors },
  }),
  createRoute({
    method: "delete",
    path: "/admin/v1/keys/{keyId}",
    summary: "Revoke an API key",
    security,
    request: { params: keyIdParam },
    responses: { 204: { description: "Revoked (also when it already was)" }, ...errors },
  }),
  createRoute({
    method: "post",
    path: "/admin/v1/tenants/{id}/webhook-secret",
    summary: "Make a new webhook signing secret; the previous one verifies for a grace period. The secret is in this answer only",
    security,
    request: { params: tenantIdParam, ...body(RotateWebhookSecretSchema) },
    responses: { 201: json(RotatedWebhookSecretSchema, "New secret, included once"), ...errors },
  }),
  createRoute({
    method: "get",
    path: "/admin/v1/tenants/{id}/webhook-secret",
    summary: "Whether a tenant has a webhook signing secret, and since when (never the secret)",
    security,
    request: { params: tenantIdParam },
    responses: { 200: json(WebhookSecretInfoSchema, "The tenant's webhook secret, without the secret"), ...errors },
  }),
];

function storeFor(c: Context<AppEnv>): TenantStore {
  return c.get("services").tenancy().tenants;
}

function webhookSecretsFor(c: Context<AppEnv>): WebhookSecretStore {
  return c.get("services").tenancy().webhookSecrets;
}

// Ids are echoed only when well-formed: a mistyped path may hold a pasted secret key.
function tenantNotFound(id: string): ApiError {
  return new ApiError("not_found", isTenantId(id) ? `No tenant with id '${id}'.` : "No tenant with that id.", { code: "tenant_not_found" });
}

function keyNotFound(id: string): ApiError {
  return new ApiError("not_found", isKeyId(id) ? `No API key with id '${id}'.` : "No API key with that id.", { code: "key_not_found" });
}

export function registerAdmin(app: OpenAPIHono<AppEnv>): void {
  app.openAPIRegistry.registerComponent("securitySchemes", "adminToken", { type: "http", scheme: "bearer", description: "ADMIN_TOKEN" });
  for (const route of ROUTES) app.openAPIRegistry.registerPath(route);

  // Before every admin route, including ones registered later in other files.
  app.use("/admin/v1/*", adminAuth());

  app.post("/admin/v1/tenants", async (c) => {
    const input = await parseAdminBody(c.req.raw, CreateTenantSchema);
    return c.json(await storeFor(c).createTenant(input), 201);
  });

  app.get("/admin/v1/tenants/:id", async (c) => {
    const id = c.req.param("id");
    const tenant = await storeFor(c).getTenant(id);
    if (!tenant) throw tenantNotFound(id);
    return c.json(tenant, 200);
  });

  app.patch("/admin/v1/tenants/:id", async (c) => {
    const id = c.req.param("id");
    if (!isTenantId(id)) throw tenantNotFound(id);
    const patch = await parseAdminBody(c.req.raw, PatchTenantSchema);
    const tenant = await storeFor(c).updateTenant(id, patch);
    if (!tenant) throw tenantNotFound(id);
    return c.json(tenant, 200);
  });

  app.post("/admin/v1/tenants/:id/keys", async (c) => {
    const id = c.req.param("id");
    if (!isTenantId(id)) throw tenantNotFound(id);
    const input = await parseAdminBody(c.req.raw, CreateKeySchema);
    const created = await storeFor(c).createKey(id, input);
    if (!created) throw tenantNotFound(id);
    const { record, key } = created;
    return c.json({ id: record.id, key, prefix: record.prefix, scopes: record.scopes, created_at: record.created_at }, 201);
  });

  app.get("/admin/v1/tenants/:id/keys", async (c) => {
    const id = c.req.param("id");
    const keys = await storeFor(c).listKeys(id);
    if (!keys) throw tenantNotFound(id);
    return c.json({ object: "list" as const, data: keys }, 200);
  });

  app.delete("/admin/v1/keys/:keyId", async (c) => {
    const keyId = c.req.param("keyId");
    if (!(await storeFor(c).revokeKey(keyId))) throw keyNotFound(keyId);
    return c.body(null, 204);
  });

  app.post("/admin/v1/tenants/:id/webhook-secret", async (c) => {
    const id = c.req.param("id");
    if (!isTenantId(id)) throw tenantNotFound(id);
    const input = await parseAdminBody(c.req.raw, RotateWebhookSecretSchema);
    const rotated = await webhookSecretsFor(c).rotateWebhookSecret(id, input.grace_seconds === undefined ? {} : { graceSeconds: input.grace_seconds });
    if (!rotated) throw tenantNotFound(id);
    return c.json({ object: "webhook_secret" as const, tenant_id: id, ...rotated }, 201);
  });

  app.get("/admin/v1/tenants/:id/webhook-secret", async (c) => {
    const id = c.req.param("id");
    const view = await webhookSecretsFor(c).webhookSecretView(id);
    if (!view) throw tenantNotFound(id);
    return c.json({ object: "webhook_secret" as const, tenant_id: id, ...view }, 200);
  });
}
