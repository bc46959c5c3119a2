/**
 * `/v1/files`: OpenAI's Files API, as far as the Batch API needs it: upload a batch
 * input file (multipart, `purpose=batch`), retrieve, list, download content, delete.
 * Batch output and error files (`purpose: batch_output`) appear here too. Every route
 * needs the `batch` scope and works on the caller's own tenant only: files live in that
 * tenant's Durable Object and under its R2 prefix.
 *
 * The upload is documented here but served by a plain handler: the generated validator
 * would parse the multipart body before any size bound, so the bounded reader
 * (batches/upload.ts) runs first instead.
 */
import { createRoute, z, type OpenAPIHono } from "@hono/zod-openapi";
import type { Context } from "hono";
import type { AppEnv } from "../app-env";
import { ApiError } from "../errors/api-error";
import { apiKeyAuth } from "../middleware/auth";
import { isFileId, newFileId } from "../batches/batch-ids";
import { deleteFileBytes, streamFile, writeUpload } from "../batches/batch-storage";
import { fileView, type FileRecord } from "../batches/batch-records";
import { batchesFor } from "../batches/batches-for";
import { listPage, pageAfter, pageLimit } from "../batches/list-params";
import { readUpload } from "../batches/upload";
import { ErrorEnvelopeSchema } from "./error-schema";

const MAX_LIST_LIMIT = 100;

const FileSchema = z
  .object({
    id: z.string(),
    object: z.literal("file"),
    bytes: z.number().int(),
    created_at: z.number().int(),
    filename: z.string(),
    purpose: z.enum(["batch", "batch_output"]),
    status: z.literal("processed"),
    status_details: z.null(),
  })
  .openapi("File");

const errors = <S extends number>(statuses: S[]) =>
  Object.fromEntries(statuses.map((s) => [s, { description: `Error ${s}`, content: { "application/json": { schema: ErrorEnvelopeSchema } } }])) as Record<
    S,
    { description: string; content: { "application/json": { schema: typeof ErrorEnvelopeSchema } } }
  >;
const fileIdParam = z.object({ file_id: z.string().openapi({ param: { name: "file_id", in: "path" }, example: "file-019a00000000AbCdEfGhIjKlMnOp" }) });

const uploadRoute = createRoute({
  method: "post",
  path: "/v1/files",
  security: [{ bearerAuth: [] }],
  description: "Upload a batch input file: JSONL, one `{custom_id, method: \"POST\", url: \"/v1/embeddings\", body}` per line.",
  request: {
    body: {
      required: true,
      content: { "multipart/form-data": { schema: z.object({ file: z.string().openapi({ format: "binary" }), purpose: z.literal("batch") }) } },
    },
  },
  responses: { 200: { description: "The file", content: { "application/json": { schema: FileSchema } } }, ...errors([400, 401, 403, 413]) },
});

const listRoute = createRoute({
  method: "get",
  path: "/v1/files",
  security: [{ bearerAuth: [] }],
  middleware: [apiKeyAuth({ scope: "batch" })] as const,
  request: {
    query: z.object({
      purpose: z.string().optional().openapi({ description: "`batch` or `batch_output`" }),
      limit: z.string().optional().openapi({ description: `1..${MAX_LIST_LIMIT}, default 20` }),
      after: z.string().optional().openapi({ description: "Id of the last file of the previous page" }),
    }),
  },
  responses: {
    200: {
      description: "The tenant's files, newest first",
      content: { "application/json": { schema: z.object({ object: z.literal("list"), data: z.array(FileSchema), first_id: z.string().nullable(), last_id: z.string().nullable(), has_more: z.boolean() }) } },
    },
    ...errors([400, 401, 403]),
  },
});

const retrieveRoute = createRoute({
  method: "get",
  path: "/v1/files/{file_id}",
  security: [{ bearerAuth: [] }],
  middleware: [apiKeyAuth({ scope: "batch" })] as const,
  request: { params: fileIdParam },
  responses: { 200: { description: "The file", content: { "application/json": { schema: FileSchema } } }, ...errors([401, 403, 404]) },
});

const contentRoute = createRoute({
  method: "get",
  path: "/v1/files/{file_id}/content",
  security: [{ bearerAuth: [] }],
  middleware: [apiKeyAuth({ scope: "batch" })] as const,
  request: { params: fileIdParam },
  responses: { 200: { description: "The file's bytes (JSONL)", content: { "application/jsonl": { schema: z.string() } } }, ...errors([401, 403, 404]) },
});

const deleteRoute = createRoute({
  method: "delete",
  path: "/v1/files/{file_id}",
  security: [{ bearerAuth: [] }],
  middleware: [apiKeyAuth({ scope: "batch" })] as const,
  request: { params: fileIdParam },
  responses: {
    200: { description: "Deleted", content: { "application/json": { schema: z.object({ id: z.string(), object: z.literal("file"), deleted: z.literal(true) }) } } },
    ...errors([401, 403, 404]),
  },
});

/** OpenAI's 404 for an unknown (or another tenant's) file id. */
export function fileNotFound(id: string, param = "file_id"): ApiError {
  return new ApiError("not_found", `No such File object: ${id.slice(0, 100)}`, { param, code: "file_not_found" });
}

async function callerFile(c: Context<AppEnv>, id: string): Promise<FileRecord> {
  const file = isFileId(id) ? await batchesFor(c.env, c.get("principal").tenantId).getFile(id) : null;
  if (!file) throw fileNotFound(id);
  return file;
}

/** Registers the `/v1/files` routes on the app. */
export function registerFiles(app: OpenAPIHono<AppEnv>): void {
  app.openAPIRegistry.registerPath(uploadRoute);
  app.post("/v1/files", apiKeyAuth({ scope: "batch" }), async (c) => {
    const { config } = c.get("services");
    const upload = await readUpload(c.req.raw, config.batch.maxFileBytes);
    const tenantId = c.get("principal").tenantId;
    const now = Date.now();
    const file: FileRecord = { id: newFileId(now), tenant_id: tenantId, purpose: "batch", filename: upload.filename, bytes: upload.file.size, created_at: now, source: { kind: "upload" } };
    await writeUpload(c.env.INDEX_RESULTS, tenantId, file.id, upload.file);
    await batchesFor(c.env, tenantId).putFile(file);
    return c.json(fileView(file), 200);
  });

  app.openapi(listRoute, async (c) => {
    const query = c.req.valid("query");
    const limit = pageLimit(query.limit, MAX_LIST_LIMIT);
    const after = pageAfter(query.after, isFileId);
    const { items, hasMore } = await batchesFor(c.env, c.get("principal").tenantId).listFiles(limit, after, query.purpose ?? null);
    return c.json(listPage(items.map(fileView), hasMore), 200);
  });

  app.openapi(retrieveRoute, async (c) => c.json(fileView(await callerFile(c, c.req.valid("param").file_id)), 200));

  // A stream, not a typed JSON answer: documented from the route, served by a plain handler.
  app.openAPIRegistry.registerPath(contentRoute);
  app.get("/v1/files/:file_id/content", apiKeyAuth({ scope: "batch" }), async (c) => {
    const file = await callerFile(c, c.req.param("file_id"));
    return c.body(streamFile(c.env.INDEX_RESULTS, file), 200, { "content-type": "application/jsonl" });
  });

  app.openapi(deleteRoute, async (c) => {
    const id = c.req.valid("param").file_id;
    const file = isFileId(id) ? await batchesFor(c.env, c.get("principal").tenantId).deleteFile(id) : null;
    if (!file) throw fileNotFound(id);
    await deleteFileBytes(c.env.INDEX_RESULTS, file);
    return c.json({ id: file.id, object: "file" as const, deleted: true as const }, 200);
  });
}
