/**
 * `POST /v1/embeddings`: the HTTP side of the pipeline. Authentication, then the body
 * (middleware/json-body.ts: content type, encoding, size, JSON, in OpenAI's order), then
 * the zod schema that also generates the OpenAPI entry (failures rendered by
 * routes/validation-hook.ts); the steps are in embeddings/pipeline.ts.
 */
import { createRoute, z, type OpenAPIHono } from "@hono/zod-openapi";
import type { Context, TypedResponse } from "hono";
import { endTime, startTime } from "hono/timing";
import type { AppEnv } from "../app-env";
import { apiKeyAuth } from "../middleware/auth";
import { jsonBody } from "../middleware/json-body";
import { EmbeddingRequestSchema } from "../embeddings/request-schema";
import { renderEmbeddingsBody } from "../embeddings/render-response";
import { errorResponses } from "./error-responses";
import { jsonRequestBody } from "./json-response";

const EmbeddingResponseSchema = z
  .object({
    object: z.literal("list"),
    data: z.array(
      z.object({
        object: z.literal("embedding"),
        index: z.number().int(),
        embedding: z
          .union([z.array(z.number()), z.array(z.number().int()), z.string()])
          .openapi({
            description:
              "float array (output_dtype float), integer array (int8, uint8, binary, ubinary), or base64 of the raw bytes: little-endian float32, or one byte per value (int8 and binary as two's complement)",
          }),
      }),
    ),
    model: z.string(),
    usage: z.object({
      prompt_tokens: z.number().int(),
      total_tokens: z.number().int(),
    }),
  })
  .openapi("CreateEmbeddingResponse");

/** Response header listing the request indices `truncate` cut, comma-separated, ascending; absent when none. */
const TRUNCATED_INPUTS_HEADER = "x-truncated-inputs";

export const embeddingsRoute = createRoute({
  method: "post",
  path: "/v1/embeddings",
  security: [{ bearerAuth: ["embed"] }],
  middleware: [
    apiKeyAuth({ scope: "embed" }),
    jsonBody({ maxBytes: (c) => c.get("services").config.maxBodyBytes }),
  ] as const,
  request: {
    body: jsonRequestBody(EmbeddingRequestSchema),
  },
  responses: {
    200: {
      description: "Embeddings in input order",
      headers: z.object({
        [TRUNCATED_INPUTS_HEADER]: z.string().optional().openapi({
          description:
            "With truncate end/start: request indices of the inputs that were cut, comma-separated, ascending (e.g. 3,17); absent when none was.",
          example: "3,17",
        }),
      }),
      content: { "application/json": { schema: EmbeddingResponseSchema } },
    },
    ...errorResponses(
      400,
      [401, "Missing or invalid API key"],
      [403, "The key lacks the embed scope, or the tenant is suspended"],
      [404, "Unknown model"],
      413,
      415,
      [
        429,
        "Rate limit or monthly quota; x-should-retry: false (and no Retry-After) when no retry can succeed",
      ],
      [502, "GPU worker answered invalid vectors"],
      [
        503,
        "No GPU worker can serve, or the tenancy store or (in closed mode) the limiter is unreachable",
      ],
    ),
  },
});

type EmbeddingResponse = z.infer<typeof EmbeddingResponseSchema>;

/**
 * The body render-response.ts wrote in one pass (JSON text, base64 included), answered
 * as is and typed as the documented JSON it is, so no second serialisation is paid.
 */
function renderedJson(
  c: Context<AppEnv>,
  body: string,
): TypedResponse<EmbeddingResponse, 200, "json"> {
  return c.body(body, 200, {
    "content-type": "application/json",
  }) as unknown as TypedResponse<EmbeddingResponse, 200, "json">;
}

export function registerEmbeddings(app: OpenAPIHono<AppEnv>): void {
  app.openapi(embeddingsRoute, async (c) => {
    const services = c.get("services");
    const request = c.req.valid("json");
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
    if (result.truncated.length > 0)
      c.header(TRUNCATED_INPUTS_HEADER, result.truncated.join(","));
    const body = await renderEmbeddingsBody(
      result.vectors,
      request.encoding_format ?? "float",
      result.promptTokens,
      request.output_dtype,
    );
    return renderedJson(c, body);
  });
}
