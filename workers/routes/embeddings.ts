/**
 * `POST /v1/embeddings`: the HTTP side of the pipeline. Parsing and rendering are
 * here; the steps are in embeddings/pipeline.ts. The OpenAPI entry is generated from
 * the same zod schema that validates requests.
 */
import { createRoute, z, type OpenAPIHono } from "@hono/zod-openapi";
import { endTime, startTime } from "hono/timing";
import type { AppEnv } from "../app-env";
import { configFrom } from "../env";
import { apiKeyAuth } from "../middleware/auth";
import { gpuPoolFor } from "../gpu/pool-for";
import { parseEmbeddingRequest } from "../embeddings/parse-request";
import { EmbeddingRequestSchema } from "../embeddings/request-schema";
import { createEmbeddings } from "../embeddings/pipeline";
import { renderEmbeddingsBody } from "../embeddings/render-response";
import { ErrorEnvelopeSchema } from "./error-schema";
import { vectorCacheFor } from "../cache/vector-cache-for";
import { admissionFor } from "../limits/admission-for";
import { usageRecorderFor } from "../metering/usage-recorder-for";
import { newUsageEvent } from "../metering/usage-event";

const EmbeddingResponseSchema = z
  .object({
    object: z.literal("list"),
    data: z.array(
      z.object({
        object: z.literal("embedding"),
        index: z.number().int(),
        embedding: z.union([z.array(z.number()), z.string()]).openapi({ description: "float array, or base64 of little-endian float32" }),
      }),
    ),
    model: z.string(),
    usage: z.object({ prompt_tokens: z.number().int(), total_tokens: z.number().int() }),
  })
  .openapi("CreateEmbeddingResponse");

export const embeddingsRoute = createRoute({
  method: "post",
  path: "/v1/embeddings",
  security: [{ bearerAuth: [] }],
  request: { body: { content: { "application/json": { schema: EmbeddingRequestSchema } }, required: true } },
  responses: {
    200: { description: "Embeddings in input order", content: { "application/json": { schema: EmbeddingResponseSchema } } },
    400: { description: "Invalid request", content: { "application/json": { schema: ErrorEnvelopeSchema } } },
    401: { description: "Missing or invalid API key", content: { "application/json": { schema: ErrorEnvelopeSchema } } },
    404: { description: "Unknown model", content: { "application/json": { schema: ErrorEnvelopeSchema } } },
    413: { description: "Body too large", content: { "application/json": { schema: ErrorEnvelopeSchema } } },
    502: { description: "GPU worker answered invalid vectors", content: { "application/json": { schema: ErrorEnvelopeSchema } } },
    503: { description: "No GPU worker can serve", content: { "application/json": { schema: ErrorEnvelopeSchema } } },
  },
});

export function registerEmbeddings(app: OpenAPIHono<AppEnv>): void {
  // Documented from the schema; validated by parseEmbeddingRequest, which needs to
  // control the order of checks (content type, size, JSON, schema) to give OpenAI's errors.
  app.openAPIRegistry.registerPath(embeddingsRoute);
  app.post("/v1/embeddings", apiKeyAuth({ scope: "embed" }), async (c) => {
    const config = configFrom(c.env);
    const request = await parseEmbeddingRequest(c.req.raw, config.maxBodyBytes);
    const gpu = gpuPoolFor(config.gpu);
    const principal = c.get("principal");
    const admission = admissionFor(config);
    let admittedWithoutLimiter: number | undefined;
    const timed = async <T>(metric: string, step: () => Promise<T>): Promise<T> => {
      startTime(c, metric);
      try {
        return await step();
      } finally {
        endTime(c, metric);
      }
    };
    const result = await createEmbeddings(request, {
      cache: vectorCacheFor({
        config: config.cache,
        modelRevision: config.modelRevision,
        tenantId: principal.tenantId,
        cacheControl: c.req.header("cache-control"),
        background: (work) => c.executionCtx.waitUntil(work),
        timed,
        requestId: c.get("requestId"),
      }),
      recordDtype: config.cache.recordDtype,
      embedOnGpu: (items) => gpu.embed(items, c.req.raw.signal),
      admit: async (usage) => {
        if (!config.tenancy.rateLimits) return;
        const admitted = await admission.admit(principal, usage);
        if (admitted.degraded) admittedWithoutLimiter = Date.now();
        for (const [name, value] of Object.entries(admitted.headers)) c.header(name, value);
      },
      timed,
    });
    c.header("x-cache", `hits=${result.hits} misses=${result.misses}`);
    const event = newUsageEvent({
      tenantId: principal.tenantId,
      inputs: result.vectors.length,
      tokensComputed: result.tokensComputed,
      tokensCached: result.promptTokens - result.tokensComputed,
      gpuMs: result.gpuMs,
      ...(request.user !== undefined ? { user: request.user } : {}),
      ...(admittedWithoutLimiter !== undefined ? { quotaPendingAt: admittedWithoutLimiter } : {}),
    });
    c.executionCtx.waitUntil(usageRecorderFor(config, c.env.USAGE_QUEUE).record(event));
    const body = renderEmbeddingsBody(result.vectors, request.encoding_format ?? "float", result.promptTokens);
    return c.body(body, 200, { "content-type": "application/json" });
  });
}
