/**
 * Standard Webhooks authentication for `POST /v1/index/jobs`, the alternative to an API
 * key for systems that can only be given a URL and a signing secret (CMSs, help desks,
 * code hosts). The tenant is named in the URL (`?tenant=ten_…`) because a webhook
 * carries no key; the signature over `id.timestamp.body` with one of that tenant's
 * `whsec_` secrets is the proof, checked in constant time, within 5 minutes of now.
 *
 * An unknown tenant gets the same 401 as a bad signature, after the same Redis reads and
 * the same number of HMACs (verifyWebhook pads with a placeholder), so neither the answer
 * nor its timing says which tenant ids exist. A verified webhook acts with the `index` scope only.
 */
import type { Context } from "hono";
import type { AppEnv } from "../app-env";
import { ApiError } from "../errors/api-error";
import { tenantSuspended } from "./tenant-suspended";
import { readTenant } from "./read-records";
import { guardRedis } from "./redis-failure";
import { isTenantId } from "./ids";
import type { Principal } from "./principal";
import { verifyWebhook } from "../webhooks/standard-webhooks";
import type { TenancyServices } from "../services";

const BAD_SIGNATURE = "The webhook signature is not valid for this tenant.";

export function isWebhookRequest(c: Context<AppEnv>): boolean {
  return (
    c.req.header("authorization") === undefined &&
    c.req.header("webhook-signature") !== undefined
  );
}

/** The principal a verified webhook acts as, and its `webhook-id` (an idempotency key). */
export async function authenticateWebhook(
  c: Context<AppEnv>,
  rawBody: string,
  tenancy: Pick<TenancyServices, "redis" | "webhookSecrets">,
): Promise<{ principal: Principal; webhookId: string }> {
  const tenantId = c.req.query("tenant") ?? "";
  if (!isTenantId(tenantId)) {
    throw new ApiError(
      "invalid_api_key",
      "Webhook requests must name their tenant: POST /v1/index/jobs?tenant=ten_…",
      {
        param: "tenant",
        code: "invalid_webhook_signature",
      },
    );
  }
  const [tenant, secrets] = await guardRedis("webhook_auth", () =>
    Promise.all([
      readTenant(tenancy.redis, tenantId),
      tenancy.webhookSecrets.webhookSecrets(tenantId),
    ]),
  );
  const verdict = verifyWebhook(
    tenant ? secrets : [],
    {
      id: c.req.header("webhook-id"),
      timestamp: c.req.header("webhook-timestamp"),
      signature: c.req.header("webhook-signature"),
    },
    rawBody,
  );
  if (!verdict.ok) {
    if (verdict.reason === "timestamp_out_of_tolerance") {
      throw new ApiError(
        "invalid_api_key",
        "The webhook timestamp is more than 5 minutes from now; refusing a possible replay.",
        {
          code: "webhook_timestamp_out_of_tolerance",
        },
      );
    }
    if (verdict.reason === "missing_headers") {
      throw new ApiError(
        "invalid_api_key",
        "A webhook needs the webhook-id, webhook-timestamp and webhook-signature headers.",
        {
          code: "invalid_webhook_signature",
        },
      );
    }
    throw new ApiError("invalid_api_key", BAD_SIGNATURE, {
      code: "invalid_webhook_signature",
    });
  }
  if (tenant!.status !== "active") {
    throw tenantSuspended();
  }
  return {
    principal: {
      tenantId,
      keyId: "webhook",
      scopes: ["index"],
      plan: tenant!.plan,
    },
    webhookId: verdict.id,
  };
}
