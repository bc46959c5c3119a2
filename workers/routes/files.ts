/**
 * `/v1/files`: OpenAI's Files API, as far as the Batch API needs it: upload a batch
 * input file (multipart, `purpose=batch`), retrieve, list, download content, delete.
 * Batch output and error files (`purpose: batch_output`) appear here too. Every route
 * needs the `batch` scope and works on the caller's own tenant only: files live in that
 * tenant's Durable Object and under its R2 prefix.
 *
 * The upload's multipart body is read by the bounded reader (batches/upload.ts) in the
 * route's middleware, before the generated validator, which then checks the form the
 * reader left for it instead of parsing an unbounded body itself.
 */
import { createRoute, z, type OpenAPIHono } from "@hono/zod-openapi";
import type { Context, MiddlewareHandler } from "hono";
import type { AppEnv } from "../app-env";
import { ApiError } from "../errors/api-error";
import { apiKeyAuth } from "../middleware/auth";
import { isFileId, newFileId } from "../batches/batch-ids";
import {
  deleteFileBytes,
  streamFile,
  writeUpload,
} from "../batches/batch-storage";
import {
  fileView,
  FileViewSchema,
  type FileRecord,
} from "../batches/batch-records";
import { batchesFor } from "../batches/batches-for";
import {
  cursorPageQuery,
  cursorPageSchema,
  listPage,
  pageAfter,
  pageLimit,
} from "./cursor-page";
import { readUpload } from "../batches/upload";
import { errorResponses } from "./error-responses";
import { jsonResponse } from "./json-response";
import { streamedBody } from "./streamed-body";

/** What every `/v1/files` route can answer before its own errors: the key check (middleware/auth.ts). */
const KEY_ERRORS = [
  [401, "Missing or invalid API key"],
  [403, "The key lacks the batch scope, or the tenant is suspended"],
  [503, "Tenancy store unavailable"],
] as const;
const NO_SUCH_FILE = [404, "No such file"] as const;
const auth = apiKeyAuth({ scope: "batch" });
const security = [{ bearerAuth: ["batch"] }];

/**
 * Reads the upload through the bounded reader and leaves it, as a form, where the
 * generated form validator reads it (`c.req.bodyCache.formData`, hono 4.13 validator).
 */
function boundedUpload(): MiddlewareHandler<AppEnv> {
  return async function boundedUploadMiddleware(c, next) {
    const upload = await readUpload(
      c.req.raw,
      c.get("services").config.batch.maxFileBytes,
    );
    const form = new FormData();
    form.set("purpose", "batch");
    form.set("file", upload.file, upload.filename);
    c.req.bodyCache.formData = form;
    await next();
  };
}

const fileIdParam = z.object({
  file_id: z.string().openapi({
    param: { name: "file_id", in: "path" },
    example: "file-019a00000000AbCdEfGhIjKlMnOp",
  }),
});

const uploadRoute = createRoute({
  method: "post",
  path: "/v1/files",
  security,
  middleware: [auth, boundedUpload()] as const,
  description:
    'Upload a batch input file: JSONL, one `{custom_id, method: "POST", url: "/v1/embeddings", body}` per line.',
  request: {
    body: {
      required: true,
      content: {
        "multipart/form-data": {
          schema: z.object({
            file: z
              .custom<File>((value) => value instanceof File)
              .openapi({ type: "string", format: "binary" }),
            purpose: z.literal("batch"),
          }),
        },
      },
    },
  },
  responses: {
    200: jsonResponse(FileViewSchema, "The file"),
    ...errorResponses(
      400,
      [413, "File too large (or a body past the limit)"],
      415,
      ...KEY_ERRORS,
    ),
  },
});

const listRoute = createRoute({
  method: "get",
  path: "/v1/files",
  security,
  middleware: [auth] as const,
  request: {
    query: cursorPageQuery("file").extend({
      purpose: z
        .string()
        .optional()
        .openapi({ description: "`batch` or `batch_output`" }),
    }),
  },
  responses: {
    200: jsonResponse(
      cursorPageSchema(FileViewSchema),
      "The tenant's files, newest first",
    ),
    ...errorResponses(400, ...KEY_ERRORS),
  },
});

const retrieveRoute = createRoute({
  method: "get",
  path: "/v1/files/{file_id}",
  security,
  middleware: [auth] as const,
  request: { params: fileIdParam },
  responses: {
    200: jsonResponse(FileViewSchema, "The file"),
    ...errorResponses(NO_SUCH_FILE, ...KEY_ERRORS),
  },
});

const contentRoute = createRoute({
  method: "get",
  path: "/v1/files/{file_id}/content",
  security,
  middleware: [auth] as const,
  request: { params: fileIdParam },
  responses: {
    200: {
      description: "The file's bytes (JSONL)",
      content: { "application/jsonl": { schema: z.string() } },
    },
    ...errorResponses(NO_SUCH_FILE, ...KEY_ERRORS),
  },
});

const deleteRoute = createRoute({
  method: "delete",
  path: "/v1/files/{file_id}",
  security,
  middleware: [auth] as const,
  request: { params: fileIdParam },
  responses: {
    200: {
      description: "Deleted",
      content: {
        "application/json": {
          schema: z.object({
            id: z.string(),
            object: z.literal("file"),
            deleted: z.literal(true),
          }),
        },
      },
    },
    ...errorResponses(NO_SUCH_FILE, ...KEY_ERRORS),
  },
});

/** OpenAI's 404 for an unknown (or another tenant's) file id. */
export function fileNotFound(id: string, param = "file_id"): ApiError {
  return new ApiError("not_found", `No such File object: ${id.slice(0, 100)}`, {
    param,
    code: "file_not_found",
  });
}

async function callerFile(c: Context<AppEnv>, id: string): Promise<FileRecord> {
  const file = isFileId(id)
    ? await batchesFor(c.env, c.get("principal").tenantId).getFile(id)
    : null;
  if (!file) throw fileNotFound(id);
  return file;
}

/** Registers the `/v1/files` routes on the app. */
export function registerFiles(app: OpenAPIHono<AppEnv>): void {
  app.openapi(uploadRoute, async (c) => {
    const upload = c.req.valid("form").file;
    const tenantId = c.get("principal").tenantId;
    const now = Date.now();
    const file: FileRecord = {
      id: newFileId(now),
      tenant_id: tenantId,
      purpose: "batch",
      filename: upload.name,
      bytes: upload.size,
      created_at: now,
      source: { kind: "upload" },
    };
    await writeUpload(c.env.INDEX_RESULTS, tenantId, file.id, upload);
    await batchesFor(c.env, tenantId).putFile(file);
    return c.json(fileView(file), 200);
  });

  app.openapi(listRoute, async (c) => {
    const query = c.req.valid("query");
    const limit = pageLimit(query.limit);
    const after = pageAfter(query.after, isFileId);
    const { items, hasMore } = await batchesFor(
      c.env,
      c.get("principal").tenantId,
    ).listFiles(limit, after, query.purpose ?? null);
    return c.json(listPage(items.map(fileView), hasMore), 200);
  });

  app.openapi(retrieveRoute, async (c) =>
    c.json(fileView(await callerFile(c, c.req.valid("param").file_id)), 200),
  );

  app.openapi(contentRoute, async (c) => {
    const file = await callerFile(c, c.req.valid("param").file_id);
    return streamedBody(
      c,
      streamFile(c.env.INDEX_RESULTS, file),
      "application/jsonl",
    );
  });

  app.openapi(deleteRoute, async (c) => {
    const id = c.req.valid("param").file_id;
    const file = isFileId(id)
      ? await batchesFor(c.env, c.get("principal").tenantId).deleteFile(id)
      : null;
    if (!file) throw fileNotFound(id);
    await deleteFileBytes(c.env.INDEX_RESULTS, file);
    return c.json(
      { id: file.id, object: "file" as const, deleted: true as const },
      200,
    );
  });
}
