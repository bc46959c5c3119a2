/**
 * `GET /admin/v1/tenants/:id/usage?from&to`: any tenant's usage, for operators and the
 * admin CLI. Same query, report and errors as `GET /v1/usage`; only the credential
 * (ADMIN_TOKEN, checked for all of `/admin/v1` in routes/admin.ts) and where the tenant
 * comes from (the path) differ. A tenant id that cannot exist, or names no tenant, is a
 * 404 like every admin path; a tenant without usage reads as zeros.
 */
import { createRoute, type OpenAPIHono } from "@hono/zod-openapi";
import type { AppEnv } from "../app-env";
import { UsageReportSchema } from "../metering/usage-report";
import { readTenant } from "../tenants/read-records";
import { tenantIdParam, tenantNotFound, wellFormedTenantId } from "./admin";
import { errorResponses } from "./error-responses";
import { jsonResponse } from "./json-response";
import {
  rejectInvalidUsageParams,
  usageReportFor,
  UsageQuerySchema,
  USAGE_ERRORS,
} from "./usage";

const route = createRoute({
  method: "get",
  path: "/admin/v1/tenants/{id}/usage",
  summary: "A tenant's usage per UTC day",
  security: [{ adminToken: [] }],
  middleware: [wellFormedTenantId()] as const,
  request: { params: tenantIdParam, query: UsageQuerySchema },
  responses: {
    200: jsonResponse(UsageReportSchema, "Usage per day, and totals"),
    ...errorResponses(
      ...USAGE_ERRORS,
      [401, "Missing or wrong admin token"],
      [404, "No such tenant"],
    ),
  },
});

export function registerAdminUsage(app: OpenAPIHono<AppEnv>): void {
  app.openapi(
    route,
    async (c) => {
      const services = c.get("services");
      const { id } = c.req.valid("param");
      if (!(await readTenant(services.tenancy().redis, id)))
        throw tenantNotFound(id);
      return c.json(
        await usageReportFor(
          services,
          id,
          c.req.valid("query"),
          c.get("requestId"),
        ),
        200,
      );
    },
    rejectInvalidUsageParams,
  );
}
