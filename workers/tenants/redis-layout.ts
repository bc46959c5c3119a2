/**
 * Where tenancy lives in Redis. Every record is JSON under its own key, so one GET
 * reads it and concurrent GETs travel together in one auto-pipelined call:
 *
 *   tenancy:tenant:{tenantId}                  Tenant
 *   tenancy:tenant:{tenantId}:keys             SET of the tenant's key ids (public ids)
 *   tenancy:tenant:{tenantId}:webhook-secrets  WebhookSecretsRecord: the Standard Webhooks
 *                                              signing secrets themselves (HMAC needs them)
 *   tenancy:key:{publicId}                     ApiKeyRecord (SHA-256 of the secret, never the secret)
 *   tenancy:tenants                            ZSET, every score 0, of `{created_at} {tenantId}`:
 *                                              all tenants in creation order (lexical, as ISO
 *                                              times sort), for the admin list (tenant-list.ts)
 *
 * Callers pass ids already checked against ids.ts, so a name cannot escape its slot.
 */
export const tenantKey = (tenantId: string): string =>
  `tenancy:tenant:${tenantId}`;
export const tenantKeysSetKey = (tenantId: string): string =>
  `tenancy:tenant:${tenantId}:keys`;
export const tenantWebhookSecretsKey = (tenantId: string): string =>
  `tenancy:tenant:${tenantId}:webhook-secrets`;
export const apiKeyRecordKey = (publicId: string): string =>
  `tenancy:key:${publicId}`;
export const TENANT_INDEX_KEY = "tenancy:tenants";
/** A tenant's member in TENANT_INDEX_KEY; neither part holds a space. */
export const tenantIndexMember = (
  createdAt: string,
  tenantId: string,
): string => `${createdAt} ${tenantId}`;
