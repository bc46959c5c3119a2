/**
 * `/v1/webhook-secret`: a tenant reads the state of its own Standard Webhooks signing
 * secret (never the secret) and rotates it, with a key that has the `keys` scope (the
 * scope of the tenant's credentials). Same store and answers as the admin routes
 * `/admin/v1/tenants/{id}/webhook-secret` (tenants/webhook-secret-store.ts): the new
 * secret is shown once, in the rotation's answer, and the replaced one keeps verifying
 * for `grace_seconds` (default 24 h).
 */
import { createRoute, type OpenAPIHono } from "@hono/zod-openapi";
import type { AppEnv } from "../app-env";
import { apiKeyAuth, ownTenantMissing } from "../middleware/auth";
import { jsonBody } from "../middleware/json-body";
import {
  RotatedWebhookSecretSchema,
  RotateWebhookSecretSchema,
  WebhookSecretInfoSchema,
} from "../tenants/admin-schemas";
import { ADMIN_MAX_BODY_BYTES } from "./admin";
import { errorResponses } from "./error-responses";
import { jsonRequestBody, jsonResponse } from "./json-response";

const security = [{ bearerAuth: ["keys"] }];
const auth = apiKeyAuth({ scope: "keys" });
const errors = [
  [401, "Missing, malformed, unknown or revoked API key"],
  [403, "The key lacks the 'keys' scope, or the tenant is suspended"],
  [404, "The key's tenant no longer exists"],
  [503, "Tenancy store unavailable"],
] as const;

const showRoute = createRoute({
  method: "get",
  path: "/v1/webhook-secret",
  summary:
    "Whether you have a webhook signing secret, and since when (never the secret)",
  security,
  middleware: [auth] as const,
  responses: {
    200: jsonResponse(
      WebhookSecretInfoSchema,
      "Your webhook secret, without the secret",
    ),
    ...errorResponses(...errors),
  },
});

const rotateRoute = createRoute({
  method: "post",
  path: "/v1/webhook-secret/rotate",
  summary:
    "Make a new webhook signing secret (shown in this answer only); " +
    "the old one verifies for a grace period",
  security,
  middleware: [auth, jsonBody({ maxBytes: ADMIN_MAX_BODY_BYTES })] as const,
  request: {
    body: jsonRequestBody(RotateWebhookSecretSchema),
  },
  responses: {
    201: jsonResponse(
      RotatedWebhookSecretSchema,
      "The new secret, included once",
    ),
    ...errorResponses([400, "Invalid body"], 413, 415, ...errors),
  },
});

/** Registers `GET /v1/webhook-secret` and `POST /v1/webhook-secret/rotate`. */
export function registerWebhookSecret(app: OpenAPIHono<AppEnv>): void {
  app.openapi(showRoute, async (c) => {
    const tenantId = c.get("principal").tenantId;
    const view = await c
      .get("services")
      .tenancy()
      .webhookSecrets.webhookSecretView(tenantId);
    if (view === null) throw ownTenantMissing();
    return c.json(
      { object: "webhook_secret" as const, tenant_id: tenantId, ...view },
      200,
    );
  });

  app.openapi(rotateRoute, async (c) => {
    const tenantId = c.get("principal").tenantId;
    const grace = c.req.valid("json").grace_seconds;
    const store = c.get("services").tenancy().webhookSecrets;
    const rotated = await store.rotateWebhookSecret(
      tenantId,
      grace === undefined ? {} : { graceSeconds: grace },
    );
    if (rotated === null) throw ownTenantMissing();
    return c.json(
      { object: "webhook_secret" as const, tenant_id: tenantId, ...rotated },
      201,
    );
  });
}
