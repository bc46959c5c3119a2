/**
 * Where tenancy lives in Redis. Every record is JSON under its own key, so one GET
 * reads it and concurrent GETs travel together in one auto-pipelined call:
 *
 *   tenancy:tenant:{tenantId}                  Tenant
 *   tenancy:tenant:{tenantId}:keys             SET of the tenant's key ids (public ids)
 *   tenancy:tenant:{tenantId}:webhook-secrets  WebhookSecretsRecord: the Standard Webhooks
 *                                              signing secrets themselves (HMAC needs them)
 *   tenancy:key:{publicId}                     ApiKeyRecord (SHA-256 of the secret, never the secret)
 *
 * Callers pass ids already checked against ids.ts, so a name cannot escape its slot.
 */
export const tenantKey = (tenantId: string): string => `tenancy:tenant:${tenantId}`;
export const tenantKeysSetKey = (tenantId: string): string => `tenancy:tenant:${tenantId}:keys`;
export const tenantWebhookSecretsKey = (tenantId: string): string => `tenancy:tenant:${tenantId}:webhook-secrets`;
export const apiKeyRecordKey = (publicId: string): string => `tenancy:key:${publicId}`;
