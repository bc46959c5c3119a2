/**
 * Records as read back from Redis: checked against their shape (a record another
 * writer mangled fails closed instead of authenticating by accident) and rebuilt with
 * a fixed field order, since a PATCH merged by Lua cjson writes fields in any order.
 * `keyView` is what the admin API may show of a key: everything but the hash.
 */
import { z } from "zod";
import { WEBHOOK_SECRET_PATTERN } from "../webhooks/standard-webhooks";
import { SCOPES, type ApiKeyRecord, type Tenant, type WebhookSecretsRecord } from "./types";

const count = z.number().int().nonnegative();
const PlanShape = z.object({
  requests_per_minute: count,
  tokens_per_minute: count,
  tokens_per_month: count,
  max_inputs_per_request: count,
});

const TenantShape = z.object({
  id: z.string(),
  name: z.string(),
  status: z.enum(["active", "suspended"]),
  plan: PlanShape,
  created_at: z.string(),
});

const KeyShape = z.object({
  id: z.string(),
  tenant_id: z.string(),
  name: z.string().nullable(),
  prefix: z.string(),
  secret_sha256: z.string().regex(/^[0-9a-f]{64}$/),
  scopes: z.array(z.enum(SCOPES)),
  created_at: z.string(),
  revoked_at: z.string().nullable(),
});

const WebhookSecretShape = z.object({ secret: z.string().regex(WEBHOOK_SECRET_PATTERN), created_at: z.string() });
const WebhookSecretsShape = z.object({
  current: WebhookSecretShape,
  previous: WebhookSecretShape.extend({ expires_at: z.string() }).optional(),
});

export class CorruptRecordError extends Error {
  override name = "CorruptRecordError";
}

function parsed<T>(schema: z.ZodType<T>, value: unknown, what: string): T {
  const result = schema.safeParse(value);
  if (!result.success) throw new CorruptRecordError(`stored ${what} record does not have the expected shape`);
  return result.data;
}

/** null stays null (no such record); anything else must be a Tenant. */
export function tenantFrom(value: unknown): Tenant | null {
  return value === null ? null : parsed(TenantShape, value, "tenant");
}

export function keyRecordFrom(value: unknown): ApiKeyRecord | null {
  return value === null ? null : parsed(KeyShape, value, "key");
}

export function webhookSecretsFrom(value: unknown): WebhookSecretsRecord | null {
  return value === null ? null : parsed(WebhookSecretsShape, value, "webhook secrets");
}

export type ApiKeyView = Omit<ApiKeyRecord, "secret_sha256">;

export function keyView(record: ApiKeyRecord): ApiKeyView {
  const { secret_sha256: _hash, ...view } = record;
  return view;
}
