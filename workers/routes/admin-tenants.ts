/**
 * `GET /admin/v1/tenants?limit&after&status`: every tenant, newest first, with its
 * month-to-date usage, for operators (the console's operator view, the admin CLI's
 * `tenants list`). OpenAI's cursor page (`limit` 1..100, default 20; `after` = the last
 * id of the previous page; `first_id`, `last_id`, `has_more`), like `/v1/batches`.
 * The month's figures are read for the whole page in one pipeline
 * (metering/month-to-date.ts) and equal the sums of `GET /admin/v1/tenants/{id}/usage`
 * over the month so far.
 *
 * `POST /admin/v1/tenants/reindex {cursor?}` adds tenants made before the tenant index
 * existed (tenants/tenant-list.ts), a bounded step per call: repeat with the answered
 * `cursor` until `done`.
 */
import { createRoute, z, type OpenAPIHono } from "@hono/zod-openapi";
import type { AppEnv } from "../app-env";
import {
  cursorPageQuery,
  cursorPageSchema,
  listPage,
  pageAfter,
  pageLimit,
} from "./cursor-page";
import { invalidRequest } from "../errors/api-error";
import { adminAuth } from "../middleware/admin-auth";
import { jsonBody } from "../middleware/json-body";
import { readMonthToDate, type MonthToDate } from "../metering/month-to-date";
import { utcDay } from "../metering/usage-event";
import { TenantSchema } from "../tenants/records";
import { isTenantId } from "../tenants/ids";
import { MonthToDateSchema } from "../tenants/self-service-schemas";
import type { TenantStatus } from "../tenants/records";
import { ADMIN_MAX_BODY_BYTES } from "./admin";
import { errorResponses } from "./error-responses";
import { jsonRequestBody, jsonResponse } from "./json-response";
import { usageUnavailable } from "./usage";

export const TenantWithUsageSchema = TenantSchema.extend({
  month_to_date: MonthToDateSchema,
}).openapi("TenantWithUsage");

const TenantPageSchema = cursorPageSchema(TenantWithUsageSchema).openapi(
  "TenantList",
);

const route = createRoute({
  method: "get",
  path: "/admin/v1/tenants",
  summary: "List tenants, newest first, with their month-to-date usage",
  security: [{ adminToken: [] }],
  middleware: [adminAuth()] as const,
  request: {
    query: cursorPageQuery("tenant").extend({
      status: z.string().optional().openapi({
        description: "Only tenants with this status: `active` or `suspended`",
      }),
    }),
  },
  responses: {
    200: jsonResponse(TenantPageSchema, "A page of tenants"),
    ...errorResponses(
      [400, "Invalid `limit`, `after` or `status`"],
      [401, "Missing or wrong admin token"],
      [503, "Tenancy or usage store unavailable"],
    ),
  },
});

const cursorMessage =
  "'cursor' must be the 'cursor' of a previous answer (digits), or absent to start.";
const ReindexRequestSchema = z
  .strictObject({
    cursor: z
      .string({ error: cursorMessage })
      .regex(/^\d{1,20}$/, { error: cursorMessage })
      .optional()
      .openapi({
        description:
          'Where the previous call stopped; absent (or "0") to start.',
        example: "0",
      }),
  })
  .openapi("ReindexTenantsRequest");

const ReindexAnswerSchema = z
  .object({
    object: z.literal("tenant_index"),
    indexed: z
      .number()
      .int()
      .openapi({ description: "Tenants written to the index by this call." }),
    cursor: z
      .string()
      .openapi({ description: 'Pass it to the next call; "0" when done.' }),
    done: z.boolean(),
  })
  .openapi("ReindexTenantsAnswer");

const reindexRoute = createRoute({
  method: "post",
  path: "/admin/v1/tenants/reindex",
  summary:
    "Add tenants made before the tenant index existed to it, one bounded step per call",
  security: [{ adminToken: [] }],
  middleware: [
    adminAuth(),
    jsonBody({ maxBytes: ADMIN_MAX_BODY_BYTES }),
  ] as const,
  request: {
    body: jsonRequestBody(ReindexRequestSchema),
  },
  responses: {
    200: jsonResponse(ReindexAnswerSchema, "How far the walk got"),
    ...errorResponses(
      [400, "Invalid body"],
      [401, "Missing or wrong admin token"],
      413,
      415,
      [503, "Tenancy store unavailable"],
    ),
  },
});

function statusFrom(raw: string | undefined): TenantStatus | undefined {
  if (raw === undefined) return undefined;
  const status = TenantSchema.shape.status.options.find((s) => s === raw);
  if (status === undefined)
    throw invalidRequest("'status' must be 'active' or 'suspended'.", "status");
  return status;
}

/** Registers `GET /admin/v1/tenants` and `POST /admin/v1/tenants/reindex`. */
export function registerAdminTenants(app: OpenAPIHono<AppEnv>): void {
  app.openapi(route, async (c) => {
    const query = c.req.valid("query");
    const limit = pageLimit(query.limit);
    const after = pageAfter(query.after, isTenantId);
    const status = statusFrom(query.status);
    const tenancy = c.get("services").tenancy();
    const page = await tenancy.tenants.listTenants({
      limit,
      after,
      ...(status === undefined ? {} : { status }),
    });
    if (page === null)
      throw invalidRequest(
        "'after' must be an id from a previous page.",
        "after",
      );
    const ids = page.tenants.map((t) => t.id);
    const today = utcDay(new Date());
    const months = await readMonthToDate(tenancy.redis, ids, today).catch(
      (err: unknown): MonthToDate[] => {
        throw usageUnavailable(c.get("requestId"), err);
      },
    );
    const data = page.tenants.map((tenant, i) => ({
      ...tenant,
      month_to_date: months[i]!,
    }));
    return c.json(listPage(data, page.hasMore), 200);
  });

  app.openapi(reindexRoute, async (c) => {
    const { cursor = "0" } = c.req.valid("json");
    const progress = await c
      .get("services")
      .tenancy()
      .tenants.indexExistingTenants(cursor);
    return c.json(
      {
        object: "tenant_index" as const,
        ...progress,
        done: progress.cursor === "0",
      },
      200,
    );
  });
}
