/**
 * The tenancy types, each `z.infer` of its one schema in records.ts (stored shape, type
 * and OpenAPI schema in one; the Redis keys are listed in redis-layout.ts), and the authenticated caller of a `/v1` request. Field
 * names are snake_case because they are the API's.
 */
import type { z } from "@hono/zod-openapi";
import type {
  ApiKeyRecordSchema,
  PlanSchema,
  TenantSchema,
  WebhookSecretsRecordSchema,
} from "./records";

export { SCOPES } from "./records";
export type Scope = ApiKeyRecord["scopes"][number];
export type Plan = z.infer<typeof PlanSchema>;
export type Tenant = z.infer<typeof TenantSchema>;
export type TenantStatus = Tenant["status"];
export type ApiKeyRecord = z.infer<typeof ApiKeyRecordSchema>;
export type WebhookSecretsRecord = z.infer<typeof WebhookSecretsRecordSchema>;

/** The authenticated caller of a `/v1` request. */
export interface Principal {
  tenantId: string;
  keyId: string;
  scopes: readonly Scope[];
  plan: Plan;
}
