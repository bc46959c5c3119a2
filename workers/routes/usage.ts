/**
 * `GET /v1/usage?from&to`: the calling tenant's own usage per UTC day, with the cost
 * and the cache's savings (formulas in metering/read-usage.ts). The tenant is the API
 * key's, never a parameter, so no key can read another tenant's figures. The query
 * and report schemas here are shared with the admin route.
 */
import { createRoute, z, type OpenAPIHono } from "@hono/zod-openapi";
import type { AppEnv } from "../app-env";
import type { Services } from "../services";
import { ApiError, invalidRequest } from "../errors/api-error";
import { apiKeyAuth } from "../middleware/auth";
import { readUsage, type UsageReport } from "../metering/read-usage";
import { utcDay } from "../metering/usage-event";
import { invalidDateError, usageRangeFrom } from "../metering/usage-range";
import { errorSummary } from "../metering/usage-log";
import { ErrorEnvelopeSchema } from "./error-schema";

const dateParam = (name: "from" | "to", description: string) =>
  z.iso
    .date()
    .optional()
    .openapi({ param: { name, in: "query" }, description, example: name === "from" ? "2025-01-01" : "2025-01-31" });

export const UsageQuerySchema = z.object({
  from: dateParam("from", "First UTC day, inclusive. Default: the first day of `to`'s month."),
  to: dateParam("to", "Last UTC day, inclusive. Default: today (UTC). At most 366 days after `from`."),
});

const laneFigures = {
  requests: z.number().int(),
  inputs: z.number().int(),
  tokens_computed: z.number().int().openapi({ description: "Tokens embedded on a GPU." }),
  tokens_cached: z.number().int().openapi({ description: "Tokens served from the cache; billed like computed ones." }),
  gpu_ms: z.number().int(),
  estimated_cost_usd: z.number().openapi({ description: "(tokens_computed + tokens_cached) × list price per million tokens / 1e6." }),
  estimated_savings_usd: z.number().openapi({ description: "tokens_cached × list price per million tokens / 1e6: GPU work the cache avoided." }),
};

const figures = {
  ...laneFigures,
  batch: z.object(laneFigures).openapi({ description: "The Batch API's share of the figures above, its dollars at BATCH_PRICE_FACTOR of the interactive price." }),
};

export const UsageReportSchema = z
  .object({
    object: z.literal("list"),
    data: z.array(z.object({ date: z.string().openapi({ example: "2025-01-31" }), ...figures })),
    totals: z.object(figures),
  })
  .openapi("UsageReport");

export const usageErrorResponses = {
  400: { description: "Invalid dates or range", content: { "application/json": { schema: ErrorEnvelopeSchema } } },
  401: { description: "Missing or invalid credentials", content: { "application/json": { schema: ErrorEnvelopeSchema } } },
  500: { description: "Usage store unreachable", content: { "application/json": { schema: ErrorEnvelopeSchema } } },
} as const;

type ParamCheck = { success: true } | { success: false; error: { issues: readonly { path: readonly PropertyKey[] }[] } };

/** Turns a failed parameter check into our 400 envelope, naming the parameter. */
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
  const line = { level: "error", requestId, message: "usage read failed", error: errorSummary(error) };
  console.error(JSON.stringify(line));
  const message = `Usage is temporarily unavailable; try again shortly. Request id ${requestId}.`;
  return new ApiError("service_unavailable", message, { code: "usage_unavailable", retryAfterSeconds: 1 });
}

const route = createRoute({
  method: "get",
  path: "/v1/usage",
  summary: "Your usage per UTC day",
  security: [{ bearerAuth: [] }],
  middleware: [apiKeyAuth({ scope: "usage" })] as const,
  request: { query: UsageQuerySchema },
  responses: {
    200: { description: "Usage per day, and totals", content: { "application/json": { schema: UsageReportSchema } } },
    ...usageErrorResponses,
    403: { description: "The key lacks the 'usage' scope", content: { "application/json": { schema: ErrorEnvelopeSchema } } },
  },
});

export function registerUsage(app: OpenAPIHono<AppEnv>): void {
  app.openapi(
    route,
    async (c) => c.json(await usageReportFor(c.get("services"), c.get("principal").tenantId, c.req.valid("query"), c.get("requestId")), 200),
    rejectInvalidUsageParams,
  );
}
