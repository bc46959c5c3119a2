/**
 * The tenancy records, one zod schema each: the stored shape (JSON in Upstash Redis),
 * the TypeScript type (`z.infer`, exported below) and the admin API's OpenAPI
 * schema are all this one. Reads are checked against it (a record another writer mangled
 * fails closed instead of authenticating by accident) and rebuilt in its field order,
 * since a PATCH merged by Lua cjson writes fields in any order. `ApiKeySchema` is what
 * the admin API may show of a key: everything but the hash.
 */
import { z } from "@hono/zod-openapi";
import { WEBHOOK_SECRET_PATTERN } from "../webhooks/secret-format";
import { TenantIdSchema } from "./ids";

/**
 * What a key may do. `keys`: the tenant's own credentials through `/v1/keys` and
 * `/v1/webhook-secret` (routes/keys.ts, routes/webhook-secret.ts); a key never grants a
 * scope it lacks.
 */
export const SCOPES = ["embed", "index", "usage", "batch", "keys"] as const;

const count = z.number().int().nonnegative();
const timestamp = z.string().openapi({ format: "date-time" });

export const PlanSchema = z
  .object({
    requests_per_minute: count,
    tokens_per_minute: count,
    tokens_per_month: count,
    max_inputs_per_request: count,
  })
  .openapi("Plan");

export const TenantSchema = z
  .object({
    id: TenantIdSchema,
    name: z.string(),
    status: z.enum(["active", "suspended"]),
    plan: PlanSchema,
    created_at: timestamp,
  })
  .openapi("Tenant");

/** An API key as stored. */
export const ApiKeyRecordSchema = z.object({
  /** The key's public id (also its id in the admin API). */
  id: z.string(),
  tenant_id: TenantIdSchema,
  name: z.string().nullable(),
  /** `sk_{env}_{publicId}`: what a key shows of itself in listings and logs. */
  prefix: z.string(),
  /** Hex SHA-256 of the secret part; the secret itself is never stored. */
  secret_sha256: z.string().regex(/^[0-9a-f]{64}$/),
  scopes: z.array(z.enum(SCOPES)),
  created_at: timestamp,
  revoked_at: timestamp.nullable(),
});

export const ApiKeySchema = ApiKeyRecordSchema.omit({
  secret_sha256: true,
}).openapi("ApiKey", {
  description: "A key as listed: never its secret nor its hash.",
});

/** A Standard Webhooks signing secret (`whsec_…`), stored as is: signing and verifying need it. */
const WebhookSecretSchema = z.object({
  secret: z.string().regex(WEBHOOK_SECRET_PATTERN),
  created_at: z.string(),
});

/**
 * A tenant's signing secrets: the current one; after a rotation, the one it replaced,
 * valid until `expires_at`.
 */
export const WebhookSecretsRecordSchema = z.object({
  current: WebhookSecretSchema,
  previous: WebhookSecretSchema.extend({ expires_at: z.string() }).optional(),
});

export class CorruptRecordError extends Error {
  override name = "CorruptRecordError";
}

function parsed<T>(schema: z.ZodType<T>, value: unknown, what: string): T {
  const result = schema.safeParse(value);
  if (!result.success)
    throw new CorruptRecordError(
      `stored ${what} record does not have the expected shape`,
    );
  return result.data;
}

/** null stays null (no such record); anything else must be a Tenant. */
export function tenantFrom(
  value: unknown,
): z.infer<typeof TenantSchema> | null {
  return value === null ? null : parsed(TenantSchema, value, "tenant");
}

export function keyRecordFrom(value: unknown): ApiKeyRecord | null {
  return value === null ? null : parsed(ApiKeyRecordSchema, value, "key");
}

export function webhookSecretsFrom(
  value: unknown,
): WebhookSecretsRecord | null {
  return value === null
    ? null
    : parsed(WebhookSecretsRecordSchema, value, "webhook secrets");
}

export type Plan = z.infer<typeof PlanSchema>;
export type Tenant = z.infer<typeof TenantSchema>;
export type TenantStatus = Tenant["status"];
export type ApiKeyRecord = z.infer<typeof ApiKeyRecordSchema>;
export type Scope = ApiKeyRecord["scopes"][number];
export type ApiKeyView = z.infer<typeof ApiKeySchema>;
export type WebhookSecretsRecord = z.infer<typeof WebhookSecretsRecordSchema>;

export function keyView(record: ApiKeyRecord): ApiKeyView {
  const { secret_sha256: _hash, ...view } = record;
  return view;
}
