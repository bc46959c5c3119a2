/**
 * `/v1/index/jobs`: create (API key with scope `index`, or a Standard Webhooks
 * signature), get, list, cancel, and stream results. Every route works on the caller's
 * own tenant only: the tenant comes from the key or the verified webhook, never from
 * a job id, and jobs live in that tenant's own Durable Object.
 *
 * Create answers 202 at once; the work happens on the index queue. `Idempotency-Key`
 * (or, for webhooks, `webhook-id`) makes retries safe: the same key and body return the
 * same job with `idempotent-replayed: true`; the same key with another body is a 409.
 *
 * A webhook request means only what its signature covers (`webhook-id`, timestamp, body)
 * plus `?tenant=`, which the signature is checked against. Its idempotency key is always
 * the signed `webhook-id`: an `Idempotency-Key` header on it is ignored, since anyone
 * replaying a captured request within the 5-minute tolerance could otherwise add a new one
 * and get a new (billed) job each time. No other query parameter or header is read.
 */
import { createRoute, z, type OpenAPIHono } from "@hono/zod-openapi";
import type { Context } from "hono";
import type { AppEnv } from "../app-env";
import { ApiError, invalidRequest } from "../errors/api-error";
import { apiKeyAuth } from "../middleware/auth";
import { parseJsonText, readJsonText } from "../middleware/json-body";
import { authenticateWebhook, isWebhookRequest } from "../tenants/webhook-auth";
import { sha256Hex } from "../tenants/secret-digest";
import { WebhookSecretStore } from "../tenants/webhook-secret-store";
import type { Principal } from "../tenants/types";
import { JobRequestSchema, parseJobRequest } from "../indexing/job-request";
import { deleteInputs, streamResults, writeInputs } from "../indexing/job-storage";
import { isJobId } from "../indexing/job-ids";
import { jobView, type JobRecord } from "../indexing/job-records";
import { jobsFor } from "../indexing/jobs-for";
import { newJobRecord } from "../indexing/new-job";
import { ErrorEnvelopeSchema } from "./error-schema";

const IDEMPOTENCY_KEY = /^[\x21-\x7e]{1,255}$/;
const MAX_LIST_LIMIT = 100;

const JobSchema = z
  .object({
    id: z.string(),
    object: z.literal("index.job"),
    status: z.enum(["queued", "in_progress", "completed", "failed", "cancelled"]),
    counts: z.object({
      documents: z.number().int(),
      documents_processed: z.number().int(),
      chunks: z.number().int(),
      chunks_from_cache: z.number().int(),
      chunks_computed: z.number().int(),
      failed: z.number().int(),
    }),
    created_at: z.number().int(),
    last_error: z.object({ code: z.string(), message: z.string() }).nullable(),
  })
  .passthrough()
  .openapi("IndexJob");

const errors = (statuses: number[]) =>
  Object.fromEntries(statuses.map((s) => [s, { description: `Error ${s}`, content: { "application/json": { schema: ErrorEnvelopeSchema } } }]));
const jobIdParam = z.object({ id: z.string().openapi({ param: { name: "id", in: "path" }, example: "job_019a0000000012345678abcdefABCDEF" }) });

const routes = [
  createRoute({
    method: "post",
    path: "/v1/index/jobs",
    security: [{ bearerAuth: [] }, {}],
    description:
      "Start an indexing job. Authenticate with an API key (scope `index`) or a Standard Webhooks signature and `?tenant=`. " +
      "`Idempotency-Key` makes retries safe; a signed webhook's key is always its `webhook-id` and the header is ignored there.",
    request: { body: { content: { "application/json": { schema: JobRequestSchema } }, required: true } },
    responses: { 202: { description: "The job, queued", content: { "application/json": { schema: JobSchema } } }, ...errors([400, 401, 403, 409, 413, 503]) },
  }),
  createRoute({
    method: "get",
    path: "/v1/index/jobs",
    security: [{ bearerAuth: [] }],
    request: {
      query: z.object({
        limit: z.string().optional().openapi({ description: `1..${MAX_LIST_LIMIT}, default 20` }),
        after: z.string().optional().openapi({ description: "Id of the last job of the previous page" }),
      }),
    },
    responses: { 200: { description: "The tenant's jobs, newest first", content: { "application/json": { schema: z.object({ object: z.literal("list"), data: z.array(JobSchema), first_id: z.string().nullable(), last_id: z.string().nullable(), has_more: z.boolean() }) } } }, ...errors([400, 401, 403]) },
  }),
  createRoute({
    method: "get",
    path: "/v1/index/jobs/{id}",
    security: [{ bearerAuth: [] }],
    request: { params: jobIdParam },
    responses: { 200: { description: "The job", content: { "application/json": { schema: JobSchema } } }, ...errors([401, 403, 404]) },
  }),
  createRoute({
    method: "post",
    path: "/v1/index/jobs/{id}/cancel",
    security: [{ bearerAuth: [] }],
    request: { params: jobIdParam },
    responses: { 200: { description: "The cancelled job", content: { "application/json": { schema: JobSchema } } }, ...errors([401, 403, 404, 409]) },
  }),
  createRoute({
    method: "get",
    path: "/v1/index/jobs/{id}/results",
    security: [{ bearerAuth: [] }],
    request: { params: jobIdParam },
    responses: {
      200: { description: "JSONL, one line per chunk: document_id, chunk_index, start, end, token_count, embedding (base64 float32), metadata", content: { "application/x-ndjson": { schema: z.string() } } },
      ...errors([401, 403, 404, 409]),
    },
  }),
];

function jobNotFound(id: string): ApiError {
  return new ApiError("not_found", `No job with id '${id.slice(0, 100)}'.`, { param: "id", code: "job_not_found" });
}

async function callerJob(c: Context<AppEnv>): Promise<JobRecord> {
  const id = c.req.param("id") ?? "";
  const job = isJobId(id) ? await jobsFor(c.env, c.get("principal").tenantId).get(id) : null;
  if (!job) throw jobNotFound(id);
  return job;
}

/** The job's idempotency key: the signed `webhook-id` for a webhook, else `Idempotency-Key` if sent. */
function idempotencyKeyOf(c: Context<AppEnv>, webhookId: string | null): string | null {
  if (webhookId !== null) return `webhook:${webhookId}`;
  const header = c.req.header("idempotency-key");
  if (header === undefined) return null;
  if (!IDEMPOTENCY_KEY.test(header)) throw invalidRequest("'Idempotency-Key' must be 1 to 255 visible ASCII characters.", "Idempotency-Key");
  return `key:${header}`;
}

async function requireSigningSecret(webhookSecrets: WebhookSecretStore, tenantId: string): Promise<void> {
  const secrets = await webhookSecrets.webhookSecrets(tenantId);
  if (secrets.length === 0) {
    throw invalidRequest(
      "A callback is signed with the tenant's webhook signing secret, and this tenant has none yet: ask your administrator to create one.",
      "callback_url",
      "webhook_secret_required",
    );
  }
}

const idempotencyConflict = () =>
  new ApiError("conflict", "This idempotency key was already used with a different request body.", { code: "idempotency_key_reused" });

async function createJob(c: Context<AppEnv>): Promise<Response> {
  const services = c.get("services");
  const { config } = services;
  let principal: Principal;
  let webhookId: string | null = null;
  let text: string;
  if (isWebhookRequest(c)) {
    text = await readJsonText(c.req.raw, config.indexing.maxJobBytes);
    ({ principal, webhookId } = await authenticateWebhook(c, text, services.tenancy()));
  } else {
    await apiKeyAuth({ scope: "index" })(c, async () => {});
    principal = c.get("principal");
    text = await readJsonText(c.req.raw, config.indexing.maxJobBytes);
  }
  const request = parseJobRequest(parseJsonText(text), config.indexing);
  const idempotencyKey = idempotencyKeyOf(c, webhookId);
  const bodySha256 = await sha256Hex(text);
  const jobs = jobsFor(c.env, principal.tenantId);

  const replay = async (job: JobRecord) => c.json(jobView(job), 202, { "idempotent-replayed": "true", location: `/v1/index/jobs/${job.id}` });
  // Checked before the inputs are written, so a replay costs no R2 writes; create() checks again atomically.
  const earlier = idempotencyKey === null ? null : await jobs.findReplay(idempotencyKey, bodySha256);
  if (earlier?.status === "idempotency_conflict") throw idempotencyConflict();
  if (earlier) return replay(earlier.job);
  if (request.callback_url !== undefined) await requireSigningSecret(services.tenancy().webhookSecrets, principal.tenantId);

  const job = newJobRecord(principal.tenantId, request, config.indexing);
  await writeInputs(c.env.INDEX_RESULTS, principal.tenantId, job.id, request.documents);
  const outcome = await jobs.create(job, idempotencyKey, bodySha256);
  if (outcome.status !== "created") {
    // A concurrent request with the same key won the race: its job stands, ours never existed.
    c.executionCtx.waitUntil(deleteInputs(c.env.INDEX_RESULTS, principal.tenantId, job.id, request.documents.length));
    if (outcome.status === "idempotency_conflict") throw idempotencyConflict();
    return replay(outcome.job);
  }
  return c.json(jobView(outcome.job), 202, { location: `/v1/index/jobs/${job.id}` });
}

function listLimit(raw: string | undefined): number {
  if (raw === undefined) return 20;
  const limit = Number(raw);
  if (!/^\d+$/.test(raw) || limit < 1 || limit > MAX_LIST_LIMIT) throw invalidRequest(`'limit' must be an integer between 1 and ${MAX_LIST_LIMIT}.`, "limit");
  return limit;
}

export function registerIndexJobs(app: OpenAPIHono<AppEnv>): void {
  for (const route of routes) app.openAPIRegistry.registerPath(route);
  const auth = apiKeyAuth({ scope: "index" });

  app.post("/v1/index/jobs", createJob);

  app.get("/v1/index/jobs", auth, async (c) => {
    const limit = listLimit(c.req.query("limit"));
    const after = c.req.query("after") ?? null;
    if (after !== null && !isJobId(after)) throw invalidRequest("'after' must be a job id.", "after");
    const { jobs, hasMore } = await jobsFor(c.env, c.get("principal").tenantId).list(limit, after);
    const data = jobs.map(jobView);
    return c.json({ object: "list", data, first_id: data[0]?.id ?? null, last_id: data.at(-1)?.id ?? null, has_more: hasMore });
  });

  app.get("/v1/index/jobs/:id", auth, async (c) => c.json(jobView(await callerJob(c))));

  app.post("/v1/index/jobs/:id/cancel", auth, async (c) => {
    const id = c.req.param("id");
    const outcome = isJobId(id) ? await jobsFor(c.env, c.get("principal").tenantId).cancel(id) : { status: "not_found" as const };
    if (outcome.status === "not_found") throw jobNotFound(id);
    if (outcome.status === "conflict") {
      throw new ApiError("conflict", `The job is already ${outcome.job.status} and cannot be cancelled.`, { code: "job_not_cancellable" });
    }
    return c.json(jobView(outcome.job));
  });

  app.get("/v1/index/jobs/:id/results", auth, async (c) => {
    const job = await callerJob(c);
    if (job.status !== "completed") {
      throw new ApiError("conflict", `The job is ${job.status}; results are available once it is completed.`, { code: "job_not_completed" });
    }
    const body = streamResults(c.env.INDEX_RESULTS, job.tenant_id, job.id, job.counts.documents);
    return c.body(body, 200, { "content-type": "application/x-ndjson" });
  });
}
