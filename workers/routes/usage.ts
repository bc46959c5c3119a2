/**
 * `GET /v1/usage?from&to`: the calling tenant's own usage per UTC day, with the cost
 * and the cache's savings (formulas in metering/read-usage.ts, schema in
 * metering/usage-report.ts). The tenant is the API key's, never a parameter, so no key
 * can read another tenant's figures. The query schema and errors here are shared with
 * the admin route.
 */
import { createRoute, z, type OpenAPIHono } from "@hono/zod-openapi";
import type { AppEnv } from "../app-env";
import type { Services } from "../services";
import { ApiError, invalidRequest } from "../errors/api-error";
import { apiKeyAuth } from "../middleware/auth";
import { readUsage } from "../metering/read-usage";
import { UsageReportSchema, type UsageReport } from "../metering/usage-report";
import { utcDay } from "../metering/usage-event";
import { invalidDateError, usageRangeFrom } from "../metering/usage-range";
import { errorSummary } from "../metering/usage-log";
import { errorResponses } from "./error-responses";
import { jsonResponse } from "./json-response";

const dateParam = (name: "from" | "to", description: string) =>
  z.iso
    .date()
    .optional()
    .openapi({
      param: { name, in: "query" },
      description,
      example: name === "from" ? "2025-01-01" : "2025-01-31",
    });

export const UsageQuerySchema = z.object({
  from: dateParam(
    "from",
    "First UTC day, inclusive. Default: the first day of `to`'s month.",
  ),
  to: dateParam(
    "to",
    "Last UTC day, inclusive. Default: today (UTC). At most 366 days after `from`.",
  ),
});

/** What both usage routes answer besides the report and their credential's errors. */
export const USAGE_ERRORS = [
  [400, "Invalid dates or range"],
  [503, "Usage or tenancy store unreachable; retry after Retry-After"],
] as const;

type ParamCheck =
  | { success: true }
  | {
      success: false;
      error: { issues: readonly { path: readonly PropertyKey[] }[] };
    };

/**
 * The usage routes' validation hook: a bad `from`/`to` is the `invalid_date` 400 the
 * range checks give too (metering/usage-range.ts); anything else, the app's default.
 */
export function rejectInvalidUsageParams(result: ParamCheck): undefined {
  if (result.success) return undefined;
  const param = String(result.error.issues[0]?.path[0] ?? "");
  if (param === "from" || param === "to") throw invalidDateError(param);
  throw invalidRequest(`Invalid '${param}'.`, param);
}

/** The report for one tenant; a Redis failure is answered as such, not as a bug. */
export async function usageReportFor(
  services: Services,
  tenantId: string,
  query: { from?: string | undefined; to?: string | undefined },
  requestId: string,
): Promise<UsageReport> {
  const { config } = services;
  const range = usageRangeFrom(query, utcDay(new Date()));
  const { redis } = services.tenancy(); // outside the try: missing configuration is not an outage
  try {
    return await readUsage(redis, tenantId, range, config.tenancy.pricing);
  } catch (error) {
    throw usageUnavailable(requestId, error);
  }
}

/** A failed usage read: logged with the request id, answered 503 `usage_unavailable` (retry after 1 s). */
export function usageUnavailable(requestId: string, error: unknown): ApiError {
  const line = {
    level: "error",
    requestId,
    message: "usage read failed",
    error: errorSummary(error),
  };
  console.error(JSON.stringify(line));
  const message = `Usage is temporarily unavailable; try again shortly. Request id ${requestId}.`;
  return new ApiError("service_unavailable", message, {
    code: "usage_unavailable",
    retryAfterSeconds: 1,
  });
}

const route = createRoute({
  method: "get",
  path: "/v1/usage",
  summary: "Your usage per UTC day",
  security: [{ bearerAuth: ["usage"] }],
  middleware: [apiKeyAuth({ scope: "usage" })] as const,
  request: { query: UsageQuerySchema },
  responses: {
    200: jsonResponse(UsageReportSchema, "Usage per day, and totals"),
    ...errorResponses(
      ...USAGE_ERRORS,
      [401, "Missing or invalid API key"],
      [403, "The key lacks the 'usage' scope, or the tenant is suspended"],
    ),
  },
});

export function registerUsage(app: OpenAPIHono<AppEnv>): void {
  app.openapi(
    route,
    async (c) =>
      c.json(
        await usageReportFor(
          c.get("services"),
          c.get("principal").tenantId,
          c.req.valid("query"),
          c.get("requestId"),
        ),
        200,
      ),
    rejectInvalidUsageParams,
  );
}
