/**
 * What an indexing job's tokens are charged against. Jobs are not subject to the
 * per-minute request and token limits (the bulk lane's GPU cap is what paces them, and
 * a large document would never fit a per-minute bucket), but they spend the tenant's
 * monthly token quota like any request, checked on the exact count before the GPU.
 * A suspended tenant's or a spent quota's documents fail; an unreachable Redis is
 * transient (the message is retried later: jobs have time, so this fails closed).
 */
import type { TenancyConfig } from "../env";
import { LIMITS_PREFIX } from "../limits/admission";
import { consumeMonthlyQuota } from "../limits/monthly-quota";
import type { LimitsRedis } from "../limits/limits-redis";
import { readTenant, type RecordReader } from "../tenants/read-records";
import type { Tenant } from "../tenants/records";
import { DocumentFailure } from "./document-errors";

/** The job's tenant, read once per document; a suspended (or deleted) tenant's documents fail. */
export async function activeTenant(
  redis: RecordReader,
  tenantId: string,
): Promise<Tenant> {
  const tenant = await readTenant(redis, tenantId);
  if (!tenant || tenant.status !== "active")
    throw new DocumentFailure("tenant_suspended", "the tenant is suspended");
  return tenant;
}

/** Spends `tokens` of the month's quota, on the same counter as the admission of requests. */
export async function chargeJobTokens(
  redis: LimitsRedis,
  tenancy: Pick<TenancyConfig, "rateLimits" | "redisTimeoutMs">,
  tenant: Tenant,
  tokens: number,
): Promise<void> {
  if (!tenancy.rateLimits) return;
  const outcome = await consumeMonthlyQuota(
    redis,
    {
      prefix: LIMITS_PREFIX,
      tenantId: tenant.id,
      quota: tenant.plan.tokens_per_month,
      at: Date.now(),
      timeoutMs: tenancy.redisTimeoutMs,
    },
    tokens,
  );
  if (outcome.status === "refused") {
    throw new DocumentFailure(
      "insufficient_quota",
      "the tenant's monthly token quota is spent",
    );
  }
  if (outcome.status === "unavailable")
    throw new Error(`the quota store is unreachable (${outcome.cause})`);
}
