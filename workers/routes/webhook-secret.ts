/**
 * `/v1/webhook-secret`: a tenant reads the state of its own Standard Webhooks signing
 * secret (never the secret) and rotates it, with a key that has the `keys` scope (the
 * scope of the tenant's credentials). Same store and answers as the admin routes
 * `/admin/v1/tenants/{id}/webhook-secret` (tenants/webhook-secret-store.ts): the new
 * secret is shown once, in the rotation's answer, and the replaced one keeps verifying
 * for `grace_seconds` (default 24 h).
 */
import { createRoute, type OpenAPIHono, type z } from "@hono/zod-openapi";
import type { AppEnv } from "../app-env";
import { apiKeyAuth, ownTenantMissing } from "../middleware/auth";
import { openapiJsonBody, rejectInvalidBody } from "../middleware/openapi-json-body";
import { ADMIN_MAX_BODY_BYTES } from "../tenants/admin-body";
import {
  RotatedWebhookSecretSchema,
  RotateWebhookSecretSchema,
  WebhookSecretInfoSchema,
} from "../tenants/admin-schemas";
import { ErrorEnvelopeSchema } from "./error-schema";

const json = <S extends z.ZodType>(schema: S, description: string) => ({
  description,
  content: { "application/json": { schema } },
});
const security = [{ bearerAuth: [] }];
const auth = apiKeyAuth({ scope: "keys" });
const errors = {
  401: json(ErrorEnvelopeSchema, "Missing, malformed, unknown or revoked API key"),
  403: json(ErrorEnvelopeSchema, "The key lacks the 'keys' scope, or the tenant is suspended"),
  503: json(ErrorEnvelopeSchema, "Tenancy store unavailable"),
};

const showRoute = createRoute({
  method: "get",
  path: "/v1/webhook-secret",
  summary: "Whether you have a webhook signing secret, and since when (never the secret)",
  security,
  middleware: [auth] as const,
  responses: {
    200: json(WebhookSecretInfoSchema, "Your webhook secret, without the secret"),
    ...errors,
  },
});

const rotateRoute = createRoute({
  method: "post",
  path: "/v1/webhook-secret/rotate",
  summary:
    "Make a new webhook signing secret (shown in this answer only); " +
    "the old one verifies for a grace period",
  security,
  middleware: [auth, openapiJsonBody(ADMIN_MAX_BODY_BYTES)] as const,
  request: {
    body: {
      content: { "application/json": { schema: RotateWebhookSecretSchema } },
      required: true,
    },
  },
  responses: {
    201: json(RotatedWebhookSecretSchema, "The new secret, included once"),
    400: json(ErrorEnvelopeSchema, "Invalid body"),
    ...errors,
  },
});

/** Registers `GET /v1/webhook-secret` and `POST /v1/webhook-secret/rotate`. */
export function registerWebhookSecret(app: OpenAPIHono<AppEnv>): void {
  app.openapi(showRoute, async (c) => {
    const tenantId = c.get("principal").tenantId;
    const view = await c.get("services").tenancy().webhookSecrets.webhookSecretView(tenantId);
    if (view === null) throw ownTenantMissing();
    return c.json({ object: "webhook_secret" as const, tenant_id: tenantId, ...view }, 200);
  });

  app.openapi(
    rotateRoute,
    async (c) => {
      const tenantId = c.get("principal").tenantId;
      const grace = c.req.valid("json").grace_seconds;
      const store = c.get("services").tenancy().webhookSecrets;
      const rotated = await store.rotateWebhookSecret(
        tenantId,
        grace === undefined ? {} : { graceSeconds: grace },
      );
      if (rotated === null) throw ownTenantMissing();
      return c.json({ object: "webhook_secret" as const, tenant_id: tenantId, ...rotated }, 201);
    },
    rejectInvalidBody(Object.keys(RotateWebhookSecretSchema.shape)),
  );
}
