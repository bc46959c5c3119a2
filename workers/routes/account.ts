/**
 * `GET /v1/account`: the calling tenant's plan, and its month so far against the monthly
 * quota, with a key that has the `usage` scope (the same figures as `/v1/usage`, summed
 * over the month). Three reads travel together in one auto-pipelined call: the tenant
 * record, the month's quota counter (limits/monthly-quota.ts) and the month's daily
 * usage counters (metering/month-to-date.ts).
 */
import { createRoute, type OpenAPIHono } from "@hono/zod-openapi";
import type { AppEnv } from "../app-env";
import { LIMITS_PREFIX } from "../limits/admission";
import { nextUtcMonthStart, quotaKey } from "../limits/monthly-quota";
import { apiKeyAuth, ownTenantMissing } from "../middleware/auth";
import { readMonthToDate, type MonthToDate } from "../metering/month-to-date";
import { utcDay } from "../metering/usage-event";
import { AccountSchema } from "../tenants/self-service-schemas";
import { errorResponses } from "./error-responses";
import { jsonResponse } from "./json-response";
import { usageUnavailable } from "./usage";

const route = createRoute({
  method: "get",
  path: "/v1/account",
  summary: "Your plan, and the month so far against its quota",
  security: [{ bearerAuth: ["usage"] }],
  middleware: [apiKeyAuth({ scope: "usage" })] as const,
  responses: {
    200: jsonResponse(AccountSchema, "Your tenant, plan and month to date"),
    ...errorResponses(
      [401, "Missing, malformed, unknown or revoked API key"],
      [403, "The key lacks the 'usage' scope, or the tenant is suspended"],
      [404, "No tenant record behind the key"],
      [503, "Tenancy or usage store unavailable"],
    ),
  },
});

/** Registers `GET /v1/account`. */
export function registerAccount(app: OpenAPIHono<AppEnv>): void {
  app.openapi(route, async (c) => {
    const principal = c.get("principal");
    const tenancy = c.get("services").tenancy();
    const now = Date.now();
    // Both reads travel together; when both fail, the tenancy store's 503 is the answer.
    const [tenantRead, usageRead] = await Promise.allSettled([
      tenancy.tenants.getTenant(principal.tenantId),
      readMonthAndCharge(tenancy.redis, principal.tenantId, now),
    ]);
    if (tenantRead.status === "rejected") throw tenantRead.reason;
    if (usageRead.status === "rejected")
      throw usageUnavailable(c.get("requestId"), usageRead.reason);
    const tenant = tenantRead.value;
    const [month, charged] = usageRead.value;
    if (tenant === null) throw ownTenantMissing();
    const quota = tenant.plan.tokens_per_month;
    return c.json(
      {
        object: "account" as const,
        tenant_id: tenant.id,
        name: tenant.name,
        status: tenant.status,
        plan: tenant.plan,
        key: { id: principal.keyId, scopes: [...principal.scopes] },
        month_to_date: month,
        quota: {
          tokens_per_month: quota,
          tokens_used: month.tokens,
          tokens_charged: charged,
          tokens_remaining: Math.max(
            0,
            quota - Math.max(month.tokens, charged),
          ),
          resets_at: new Date(nextUtcMonthStart(now)).toISOString(),
        },
      },
      200,
    );
  });
}

type AccountRedis = Parameters<typeof readMonthToDate>[0] & {
  get: (key: string) => Promise<unknown>;
};

/** The month's usage and its quota counter (0 when nothing was charged yet). */
async function readMonthAndCharge(
  redis: AccountRedis,
  tenantId: string,
  now: number,
): Promise<[MonthToDate, number]> {
  const [months, counter] = await Promise.all([
    readMonthToDate(redis, [tenantId], utcDay(new Date(now))),
    redis.get(quotaKey(LIMITS_PREFIX, tenantId, now)),
  ]);
  const charged = Number(counter ?? 0);
  return [months[0]!, Number.isFinite(charged) ? charged : 0];
}
