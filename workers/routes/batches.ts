/**
 * `/v1/batches`: OpenAI's Batch API for `/v1/embeddings` (create, retrieve, list,
 * cancel). Every route needs the `batch` scope and works on the caller's own tenant
 * only. Create answers at once with the batch `validating`; the tenant's `Batches`
 * Durable Object validates the input file, the `qwen3-batch` queue runs its parts on the
 * bulk lane (batches/run-part.ts), and the output and error files appear on the batch
 * when it ends.
 */
import { createRoute, z, type OpenAPIHono } from "@hono/zod-openapi";
import type { AppEnv } from "../app-env";
import { ApiError } from "../errors/api-error";
import { apiKeyAuth } from "../middleware/auth";
import { jsonBody } from "../middleware/json-body";
import { isBatchId, isFileId, newBatchId } from "../batches/batch-ids";
import {
  batchView,
  BatchViewSchema,
  type BatchRecord,
} from "../batches/batch-records";
import { batchesFor } from "../batches/batches-for";
import {
  cursorPageQuery,
  cursorPageSchema,
  listPage,
  pageAfter,
  pageLimit,
} from "./cursor-page";
import { errorResponses } from "./error-responses";
import { jsonRequestBody, jsonResponse } from "./json-response";
import { fileNotFound } from "./files";

/** A create body is a few ids and at most 16 short metadata pairs. */
const MAX_CREATE_BODY_BYTES = 64 * 1024;

/** OpenAI's `BatchCreateParams`; `metadata` as OpenAI's `Metadata` (16 pairs, keys ≤ 64, values ≤ 512 characters). */
const BatchCreateSchema = z
  .strictObject({
    input_file_id: z.string({ error: "'input_file_id' must be a file id." }),
    endpoint: z.literal("/v1/embeddings", {
      error: "Only '/v1/embeddings' batches are supported.",
    }),
    completion_window: z.literal("24h", {
      error: "'completion_window' must be '24h'.",
    }),
    metadata: z
      .record(
        z
          .string()
          .max(64, { error: "Metadata keys have at most 64 characters." }),
        z
          .string({ error: "Metadata values must be strings." })
          .max(512, { error: "Metadata values have at most 512 characters." }),
      )
      .refine((m) => Object.keys(m).length <= 16, {
        error: "'metadata' has at most 16 pairs.",
      })
      .nullable()
      .optional(),
    output_expires_after: z
      .object({
        anchor: z.literal("created_at"),
        seconds: z.number().int().min(3600).max(2_592_000),
      })
      .optional(),
  })
  .openapi("BatchCreateRequest");

/** What every `/v1/batches` route can answer before its own errors: the key check (middleware/auth.ts). */
const KEY_ERRORS = [
  [401, "Missing or invalid API key"],
  [403, "The key lacks the batch scope, or the tenant is suspended"],
  [503, "Tenancy store unavailable"],
] as const;
const batchIdParam = z.object({
  batch_id: z.string().openapi({
    param: { name: "batch_id", in: "path" },
    example: "batch_019a00000000AbCdEfGhIjKlMnOp",
  }),
});

const createBatchRoute = createRoute({
  method: "post",
  path: "/v1/batches",
  security: [{ bearerAuth: ["batch"] }],
  middleware: [
    apiKeyAuth({ scope: "batch" }),
    jsonBody({ maxBytes: MAX_CREATE_BODY_BYTES }),
  ] as const,
  request: {
    body: jsonRequestBody(BatchCreateSchema),
  },
  responses: {
    200: jsonResponse(BatchViewSchema, "The batch, validating"),
    ...errorResponses(
      400,
      [404, "No such input file"],
      413,
      415,
      ...KEY_ERRORS,
    ),
  },
});

const listRoute = createRoute({
  method: "get",
  path: "/v1/batches",
  security: [{ bearerAuth: ["batch"] }],
  middleware: [apiKeyAuth({ scope: "batch" })] as const,
  request: {
    query: cursorPageQuery("batch"),
  },
  responses: {
    200: jsonResponse(
      cursorPageSchema(BatchViewSchema),
      "The tenant's batches, newest first",
    ),
    ...errorResponses(400, ...KEY_ERRORS),
  },
});

const retrieveRoute = createRoute({
  method: "get",
  path: "/v1/batches/{batch_id}",
  security: [{ bearerAuth: ["batch"] }],
  middleware: [apiKeyAuth({ scope: "batch" })] as const,
  request: { params: batchIdParam },
  responses: {
    200: jsonResponse(BatchViewSchema, "The batch"),
    ...errorResponses([404, "No such batch"], ...KEY_ERRORS),
  },
});

const cancelRoute = createRoute({
  method: "post",
  path: "/v1/batches/{batch_id}/cancel",
  security: [{ bearerAuth: ["batch"] }],
  middleware: [apiKeyAuth({ scope: "batch" })] as const,
  request: { params: batchIdParam },
  responses: {
    200: jsonResponse(
      BatchViewSchema,
      "The batch, cancelling (or already cancelled)",
    ),
    ...errorResponses(
      [404, "No such batch"],
      [409, "The batch has ended and cannot be cancelled"],
      ...KEY_ERRORS,
    ),
  },
});

function batchNotFound(id: string): ApiError {
  return new ApiError(
    "not_found",
    `No such Batch object: ${id.slice(0, 100)}`,
    { param: "batch_id", code: "batch_not_found" },
  );
}

/** Registers the `/v1/batches` routes on the app. */
export function registerBatches(app: OpenAPIHono<AppEnv>): void {
  app.openapi(createBatchRoute, async (c) => {
    const request = c.req.valid("json");
    const tenantId = c.get("principal").tenantId;
    const batches = batchesFor(c.env, tenantId);
    const file = isFileId(request.input_file_id)
      ? await batches.getFile(request.input_file_id)
      : null;
    if (!file) throw fileNotFound(request.input_file_id, "input_file_id");
    if (file.purpose !== "batch")
      throw new ApiError(
        "invalid_request",
        `The file ${file.id} was not uploaded with purpose 'batch'.`,
        { param: "input_file_id", code: "invalid_file_purpose" },
      );
    const now = Date.now();
    const batch: BatchRecord = {
      id: newBatchId(now),
      tenant_id: tenantId,
      status: "validating",
      endpoint: request.endpoint,
      input_file_id: file.id,
      completion_window: request.completion_window,
      metadata: request.metadata ?? null,
      parts: 0,
      request_counts: { total: 0, completed: 0, failed: 0 },
      errors: null,
      output_file_id: null,
      error_file_id: null,
      created_at: now,
      in_progress_at: null,
      expires_at:
        now + c.get("services").config.batch.completionWindowSeconds * 1000,
      finalizing_at: null,
      completed_at: null,
      failed_at: null,
      expired_at: null,
      cancelling_at: null,
      cancelled_at: null,
      dispatched: false,
    };
    return c.json(batchView(await batches.createBatch(batch)), 200);
  });

  app.openapi(listRoute, async (c) => {
    const query = c.req.valid("query");
    const limit = pageLimit(query.limit);
    const after = pageAfter(query.after, isBatchId);
    const { items, hasMore } = await batchesFor(
      c.env,
      c.get("principal").tenantId,
    ).listBatches(limit, after);
    return c.json(listPage(items.map(batchView), hasMore), 200);
  });

  app.openapi(retrieveRoute, async (c) => {
    const id = c.req.valid("param").batch_id;
    const batch = isBatchId(id)
      ? await batchesFor(c.env, c.get("principal").tenantId).getBatch(id)
      : null;
    if (!batch) throw batchNotFound(id);
    return c.json(batchView(batch), 200);
  });

  app.openapi(cancelRoute, async (c) => {
    const id = c.req.valid("param").batch_id;
    const outcome = isBatchId(id)
      ? await batchesFor(c.env, c.get("principal").tenantId).cancel(id)
      : { status: "not_found" as const };
    if (outcome.status === "not_found") throw batchNotFound(id);
    if (outcome.status === "conflict")
      throw new ApiError(
        "conflict",
        `Cannot cancel a batch with status '${outcome.batch.status}'.`,
        { code: "batch_not_cancellable" },
      );
    return c.json(batchView(outcome.batch), 200);
  });
}
