/**
 * `GET /admin/v1/tenants/:id/usage?from&to`: any tenant's usage, for operators and the
 * admin CLI. Same query, report and errors as `GET /v1/usage`; only the credential
 * (ADMIN_TOKEN) and where the tenant comes from (the path) differ. A tenant id that
 * has no usage reads as zeros: whether the tenant exists is the tenants store's to say.
 */
import { createRoute, z, type OpenAPIHono } from "@hono/zod-openapi";
import type { AppEnv } from "../app-env";
import { adminAuth } from "../middleware/admin-auth";
import { TENANT_ID_PATTERN } from "../metering/usage-event";
import { rejectInvalidUsageParams, usageErrorResponses, usageReportFor, UsageQuerySchema, UsageReportSchema } from "./usage";

const route = createRoute({
  method: "get",
  path: "/admin/v1/tenants/{id}/usage",
  summary: "A tenant's usage per UTC day",
  security: [{ bearerAuth: [] }],
  middleware: [adminAuth()] as const,
  request: {
    params: z.object({ id: z.string().regex(TENANT_ID_PATTERN).openapi({ param: { name: "id", in: "path" }, example: "ten_0123456789abcdef" }) }),
    query: UsageQuerySchema,
  },
  responses: {
    200: { description: "Usage per day, and totals", content: { "application/json": { schema: UsageReportSchema } } },
    ...usageErrorResponses,
  },
});

export function registerAdminUsage(app: OpenAPIHono<AppEnv>): void {
  app.openapi(
    route,
    async (c) => c.json(await usageReportFor(c.get("services"), c.req.valid("param").id, c.req.valid("query"), c.get("requestId")), 200),
    rejectInvalidUsageParams,
  );
}
