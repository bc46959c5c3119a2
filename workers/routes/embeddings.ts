/**
 * `POST /v1/embeddings`: the HTTP side of the pipeline. Parsing and rendering are
 * here; the steps are in embeddings/pipeline.ts. The OpenAPI entry is generated from
 * the same zod schema that validates requests.
 */
import { createRoute, z, type OpenAPIHono } from "@hono/zod-openapi";
import { endTime, startTime } from "hono/timing";
import type { AppEnv } from "../app-env";
import { apiKeyAuth } from "../middleware/auth";
import { parseEmbeddingRequest } from "../embeddings/parse-request";
import { EmbeddingRequestSchema } from "../embeddings/request-schema";
import { renderEmbeddingsBody } from "../embeddings/render-response";
import { ErrorEnvelopeSchema } from "./error-schema";

const EmbeddingResponseSchema = z
  .object({
    object: z.literal("list"),
    data: z.array(
      z.object({
        object: z.literal("embedding"),
        index: z.number().int(),
        embedding: z.union([z.array(z.number()), z.array(z.number().int()), z.string()]).openapi({
          description:
            "float array (output_dtype float), integer array (int8, uint8, binary, ubinary), or base64 of the raw bytes: little-endian float32, or one byte per value (int8 and binary as two's complement)",
        }),
      }),
    ),
    model: z.string(),
    usage: z.object({ prompt_tokens: z.number().int(), total_tokens: z.number().int() }),
  })
  .openapi("CreateEmbeddingResponse");

/** Response header listing the request indices `truncate` cut, comma-separated, ascending; absent when none. */
const TRUNCATED_INPUTS_HEADER = "x-truncated-inputs";

export const embeddingsRoute = createRoute({
  method: "post",
  path: "/v1/embeddings",
  security: [{ bearerAuth: [] }],
  request: { body: { content: { "application/json": { schema: EmbeddingRequestSchema } }, required: true } },
  responses: {
    200: {
      description: "Embeddings in input order",
      headers: z.object({
        [TRUNCATED_INPUTS_HEADER]: z.string().optional().openapi({
          description: "With truncate end/start: request indices of the inputs that were cut, comma-separated, ascending (e.g. 3,17); absent when none was.",
          example: "3,17",
        }),
      }),
      content: { "application/json": { schema: EmbeddingResponseSchema } },
    },
    400: { description: "Invalid request", content: { "application/json": { schema: ErrorEnvelopeSchema } } },
    401: { description: "Missing or invalid API key", content: { "application/json": { schema: ErrorEnvelopeSchema } } },
    403: { description: "The key lacks the embed scope, or the tenant is suspended", content: { "application/json": { schema: ErrorEnvelopeSchema } } },
    404: { description: "Unknown model", content: { "application/json": { schema: ErrorEnvelopeSchema } } },
    413: { description: "Body too large (decoded bytes, after gzip/deflate)", content: { "application/json": { schema: ErrorEnvelopeSchema } } },
    415: { description: "Content-Encoding other than gzip, deflate or identity", content: { "application/json": { schema: ErrorEnvelopeSchema } } },
    429: {
      description: "Rate limit or monthly quota; x-should-retry: false (and no Retry-After) when no retry can succeed",
      content: { "application/json": { schema: ErrorEnvelopeSchema } },
    },
    502: { description: "GPU worker answered invalid vectors", content: { "application/json": { schema: ErrorEnvelopeSchema } } },
    503: { description: "No GPU worker can serve", content: { "application/json": { schema: ErrorEnvelopeSchema } } },
  },
});

export function registerEmbeddings(app: OpenAPIHono<AppEnv>): void {
  // Documented from the schema; validated by parseEmbeddingRequest, which needs to
  // control the order of checks (content type, size, JSON, schema) to give OpenAI's errors.
  app.openAPIRegistry.registerPath(embeddingsRoute);
  app.post("/v1/embeddings", apiKeyAuth({ scope: "embed" }), async (c) => {
    const services = c.get("services");
    const request = await parseEmbeddingRequest(c.req.raw, services.config.maxBodyBytes);
    const result = await services.tenancy().embeddings.embed(request, {
      principal: c.get("principal"),
      cacheControl: c.req.header("cache-control"),
      requestId: c.get("requestId"),
      background: (work) => c.executionCtx.waitUntil(work),
      timed: async (metric, step) => {
        startTime(c, metric);
        try {
          return await step();
        } finally {
          endTime(c, metric);
        }
      },
      setHeader: (name, value) => c.header(name, value),
      signal: c.req.raw.signal,
    });
    c.header("x-cache", `hits=${result.hits} misses=${result.misses}`);
    if (result.truncated.length > 0) c.header(TRUNCATED_INPUTS_HEADER, result.truncated.join(","));
    const body = await renderEmbeddingsBody(result.vectors, request.encoding_format ?? "float", result.promptTokens, request.output_dtype);
    return c.body(body, 200, { "content-type": "application/json" });
  });
}
