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
import type { Context, MiddlewareHandler } from "hono";
import type { AppEnv } from "../app-env";
import { ApiError, invalidRequest } from "../errors/api-error";
import { apiKeyAuth } from "../middleware/auth";
import { bodyText, jsonBody } from "../middleware/json-body";
import { authenticateWebhook, isWebhookRequest } from "../tenants/webhook-auth";
import { sha256Hex } from "../tenants/secret-digest";
import { WebhookSecretStore } from "../tenants/webhook-secret-store";
import {
  checkJobLimits,
  JobRequestSchema,
  refuseProtoKeysInMetadata,
} from "../indexing/job-request";
import {
  deleteInputs,
  streamResults,
  writeInputs,
} from "../indexing/job-storage";
import { isJobId } from "../indexing/job-ids";
import {
  jobView,
  JobViewSchema,
  type JobRecord,
} from "../indexing/job-records";
import { jobsFor } from "../indexing/jobs-for";
import { newJobRecord } from "../indexing/new-job";
import { cursorPageQuery, cursorPageSchema, pageLimit } from "./cursor-page";
import { errorResponses } from "./error-responses";
import { jsonRequestBody, jsonResponse } from "./json-response";
import { streamedBody } from "./streamed-body";

const IDEMPOTENCY_KEY = /^[\x21-\x7e]{1,255}$/;

/** What every job route can answer before its own errors: the key check (middleware/auth.ts). */
const KEY_ERRORS = [
  [401, "Missing or invalid API key"],
  [403, "The key lacks the index scope, or the tenant is suspended"],
  [503, "Tenancy store unavailable"],
] as const;
const NO_SUCH_JOB = [404, "No such job"] as const;
const jobIdParam = z.object({
  id: z.string().openapi({
    param: { name: "id", in: "path" },
    example: "job_019a0000000012345678abcdefABCDEF",
  }),
});
const jobJson = (description: string) =>
  jsonResponse(JobViewSchema, description);
const security = [{ bearerAuth: ["index"] }];
const auth = apiKeyAuth({ scope: "index" });

/**
 * `POST /v1/index/jobs`' authentication: a Standard Webhooks signature (over the exact body
 * bytes, read here through the same bounded reader the body middleware then parses) or an
 * API key with the `index` scope. Sets `principal` and `webhookId`.
 */
function keyOrWebhookAuth(): MiddlewareHandler<AppEnv> {
  return async function keyOrWebhookAuthMiddleware(c, next) {
    if (isWebhookRequest(c)) {
      const services = c.get("services");
      const text = await bodyText(c, services.config.indexing.maxJobBytes);
      const { principal, webhookId } = await authenticateWebhook(
        c,
        text,
        services.tenancy(),
      );
      c.set("principal", principal);
      c.set("webhookId", webhookId);
      await next();
      return;
    }
    c.set("webhookId", null);
    await auth(c, next);
  };
}

const createRouteConfig = createRoute({
  method: "post",
  path: "/v1/index/jobs",
  security: [...security, {}],
  description:
    "Start an indexing job. Authenticate with an API key (scope `index`) or a Standard Webhooks signature and `?tenant=`. " +
    "`Idempotency-Key` makes retries safe; a signed webhook's key is always its `webhook-id` and the header is ignored there.",
  middleware: [
    keyOrWebhookAuth(),
    jsonBody({
      maxBytes: (c) => c.get("services").config.indexing.maxJobBytes,
      check: refuseProtoKeysInMetadata,
    }),
  ] as const,
  request: {
    body: jsonRequestBody(JobRequestSchema),
  },
  responses: {
    202: jobJson(
      "The job, queued (or, for a replayed idempotency key, the job it made)",
    ),
    ...errorResponses(
      400,
      [401, "Missing or invalid API key, or webhook signature"],
      [403, "The key lacks the index scope, or the tenant is suspended"],
      [409, "The idempotency key was used with another body"],
      [413, "Body or a document too large"],
      415,
      [503, "Tenancy store unavailable"],
    ),
  },
});

const listRoute = createRoute({
  method: "get",
  path: "/v1/index/jobs",
  security,
  middleware: [auth] as const,
  request: {
    query: cursorPageQuery("job"),
  },
  responses: {
    200: jsonResponse(
      cursorPageSchema(JobViewSchema),
      "The tenant's jobs, newest first",
    ),
    ...errorResponses(400, ...KEY_ERRORS),
  },
});

const getRoute = createRoute({
  method: "get",
  path: "/v1/index/jobs/{id}",
  security,
  middleware: [auth] as const,
  request: { params: jobIdParam },
  responses: {
    200: jobJson("The job"),
    ...errorResponses(NO_SUCH_JOB, ...KEY_ERRORS),
  },
});

const cancelRoute = createRoute({
  method: "post",
  path: "/v1/index/jobs/{id}/cancel",
  security,
  middleware: [auth] as const,
  request: { params: jobIdParam },
  responses: {
    200: jobJson("The cancelled job"),
    ...errorResponses(
      NO_SUCH_JOB,
      [409, "The job has ended and cannot be cancelled"],
      ...KEY_ERRORS,
    ),
  },
});

const resultsRoute = createRoute({
  method: "get",
  path: "/v1/index/jobs/{id}/results",
  security,
  middleware: [auth] as const,
  request: { params: jobIdParam },
  responses: {
    200: {
      description:
        "JSONL, one line per chunk: document_id, chunk_index, start, end, token_count, embedding (base64 float32), metadata",
      content: { "application/x-ndjson": { schema: z.string() } },
    },
    ...errorResponses(
      NO_SUCH_JOB,
      [409, "The job is not completed yet"],
      ...KEY_ERRORS,
    ),
  },
});

function jobNotFound(id: string): ApiError {
  return new ApiError("not_found", `No job with id '${id.slice(0, 100)}'.`, {
    param: "id",
    code: "job_not_found",
  });
}

async function callerJob(c: Context<AppEnv>, id: string): Promise<JobRecord> {
  const job = isJobId(id)
    ? await jobsFor(c.env, c.get("principal").tenantId).get(id)
    : null;
  if (!job) throw jobNotFound(id);
  return job;
}

/** The job's idempotency key: the signed `webhook-id` for a webhook, else `Idempotency-Key` if sent. */
function idempotencyKeyOf(
  c: Context<AppEnv>,
  webhookId: string | null,
): string | null {
  if (webhookId !== null) return `webhook:${webhookId}`;
  const header = c.req.header("idempotency-key");
  if (header === undefined) return null;
  if (!IDEMPOTENCY_KEY.test(header))
    throw invalidRequest(
      "'Idempotency-Key' must be 1 to 255 visible ASCII characters.",
      "Idempotency-Key",
    );
  return `key:${header}`;
}

async function requireSigningSecret(
  webhookSecrets: WebhookSecretStore,
  tenantId: string,
): Promise<void> {
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
  new ApiError(
    "conflict",
    "This idempotency key was already used with a different request body.",
    { code: "idempotency_key_reused" },
  );

export function registerIndexJobs(app: OpenAPIHono<AppEnv>): void {
  app.openapi(createRouteConfig, async (c) => {
    const services = c.get("services");
    const { config } = services;
    const principal = c.get("principal");
    const request = checkJobLimits(c.req.valid("json"), config.indexing);
    const idempotencyKey = idempotencyKeyOf(c, c.get("webhookId"));
    const bodySha256 = await sha256Hex(await c.req.text());
    const jobs = jobsFor(c.env, principal.tenantId);

    const replay = (job: JobRecord) =>
      c.json(jobView(job), 202, {
        "idempotent-replayed": "true",
        location: `/v1/index/jobs/${job.id}`,
      });
    // Checked before the inputs are written, so a replay costs no R2 writes; create() checks again atomically.
    const earlier =
      idempotencyKey === null
        ? null
        : await jobs.findReplay(idempotencyKey, bodySha256);
    if (earlier?.status === "idempotency_conflict") throw idempotencyConflict();
    if (earlier) return replay(earlier.job);
    if (request.callback_url !== undefined)
      await requireSigningSecret(
        services.tenancy().webhookSecrets,
        principal.tenantId,
      );

    const job = newJobRecord(principal.tenantId, request, config.indexing);
    await writeInputs(
      c.env.INDEX_RESULTS,
      principal.tenantId,
      job.id,
      request.documents,
    );
    const outcome = await jobs.create(job, idempotencyKey, bodySha256);
    if (outcome.status !== "created") {
      // A concurrent request with the same key won the race: its job stands, ours never existed.
      c.executionCtx.waitUntil(
        deleteInputs(
          c.env.INDEX_RESULTS,
          principal.tenantId,
          job.id,
          request.documents.length,
        ),
      );
      if (outcome.status === "idempotency_conflict")
        throw idempotencyConflict();
      return replay(outcome.job);
    }
    return c.json(jobView(outcome.job), 202, {
      location: `/v1/index/jobs/${job.id}`,
    });
  });

  app.openapi(listRoute, async (c) => {
    const query = c.req.valid("query");
    const limit = pageLimit(query.limit);
    const after = query.after ?? null;
    if (after !== null && !isJobId(after))
      throw invalidRequest("'after' must be a job id.", "after");
    const { jobs, hasMore } = await jobsFor(
      c.env,
      c.get("principal").tenantId,
    ).list(limit, after);
    const data = jobs.map(jobView);
    return c.json(
      {
        object: "list" as const,
        data,
        first_id: data[0]?.id ?? null,
        last_id: data.at(-1)?.id ?? null,
        has_more: hasMore,
      },
      200,
    );
  });

  app.openapi(getRoute, async (c) =>
    c.json(jobView(await callerJob(c, c.req.valid("param").id)), 200),
  );

  app.openapi(cancelRoute, async (c) => {
    const { id } = c.req.valid("param");
    const outcome = isJobId(id)
      ? await jobsFor(c.env, c.get("principal").tenantId).cancel(id)
      : { status: "not_found" as const };
    if (outcome.status === "not_found") throw jobNotFound(id);
    if (outcome.status === "conflict") {
      throw new ApiError(
        "conflict",
        `The job is already ${outcome.job.status} and cannot be cancelled.`,
        { code: "job_not_cancellable" },
      );
    }
    return c.json(jobView(outcome.job), 200);
  });

  app.openapi(resultsRoute, async (c) => {
    const job = await callerJob(c, c.req.valid("param").id);
    if (job.status !== "completed") {
      throw new ApiError(
        "conflict",
        `The job is ${job.status}; results are available once it is completed.`,
        { code: "job_not_completed" },
      );
    }
    const body = streamResults(
      c.env.INDEX_RESULTS,
      job.tenant_id,
      job.id,
      job.counts.documents,
    );
    return streamedBody(c, body, "application/x-ndjson");
  });
}
