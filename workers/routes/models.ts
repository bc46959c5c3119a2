/**
 * `GET /v1/models` and `GET /v1/models/{model}`: the one model this API serves, in
 * OpenAI's list and model shapes. The upstream id `Qwen/Qwen3-Embedding-4B` names the
 * same model; the official SDK sends its slash as `%2F` (openai-node's `encodeURIPath`,
 * src/internal/utils/path.ts), other clients send it as is, so both paths are served.
 */
import { createRoute, z, type OpenAPIHono } from "@hono/zod-openapi";
import type { AppEnv } from "../app-env";
import { PUBLIC_MODEL_ID } from "../model";
import { assertKnownModel } from "../embeddings/pipeline";
import { apiKeyAuth } from "../middleware/auth";
import { ErrorEnvelopeSchema } from "./error-schema";

/** 2025-06-05, the model's release on Hugging Face; fixed so the answer is stable. */
const MODEL_CREATED = 1749081600;
const MODEL_OWNER = "qwen";

const ModelSchema = z
  .object({
    id: z.string(),
    object: z.literal("model"),
    created: z.number().int(),
    owned_by: z.string(),
  })
  .openapi("Model");

/** The model object, whichever accepted id named it: `id` is always the public name, as in embeddings responses. */
const MODEL = { id: PUBLIC_MODEL_ID, object: "model" as const, created: MODEL_CREATED, owned_by: MODEL_OWNER };

const errors = {
  401: { description: "Missing or invalid API key", content: { "application/json": { schema: ErrorEnvelopeSchema } } },
  403: { description: "Key lacks the embed scope, or tenant suspended", content: { "application/json": { schema: ErrorEnvelopeSchema } } },
} as const;

const listRoute = createRoute({
  method: "get",
  path: "/v1/models",
  security: [{ bearerAuth: [] }],
  middleware: [apiKeyAuth({ scope: "embed" })] as const,
  responses: {
    200: {
      description: "Models",
      content: { "application/json": { schema: z.object({ object: z.literal("list"), data: z.array(ModelSchema) }).openapi("ModelList") } },
    },
    ...errors,
  },
});

const retrieveRoute = createRoute({
  method: "get",
  path: "/v1/models/{model}",
  security: [{ bearerAuth: [] }],
  middleware: [apiKeyAuth({ scope: "embed" })] as const,
  request: {
    params: z.object({
      model: z.string().openapi({ description: `${PUBLIC_MODEL_ID}, or Qwen/Qwen3-Embedding-4B (slash as %2F)`, example: PUBLIC_MODEL_ID }),
    }),
  },
  responses: {
    200: { description: "The model", content: { "application/json": { schema: ModelSchema } } },
    ...errors,
    404: { description: "Unknown model (`model_not_found`)", content: { "application/json": { schema: ErrorEnvelopeSchema } } },
  },
});

/** `Qwen/Qwen3-Embedding-4B` with its slash unencoded: two path segments. Served, not documented twice. */
const retrieveBySegmentsRoute = createRoute({
  ...retrieveRoute,
  path: "/v1/models/{owner}/{name}",
  hide: true,
  request: { params: z.object({ owner: z.string(), name: z.string() }) },
});

export function registerModels(app: OpenAPIHono<AppEnv>): void {
  app.openapi(listRoute, (c) => c.json({ object: "list" as const, data: [MODEL] }, 200));
  app.openapi(retrieveRoute, (c) => {
    assertKnownModel(c.req.valid("param").model);
    return c.json(MODEL, 200);
  });
  app.openapi(retrieveBySegmentsRoute, (c) => {
    const { owner, name } = c.req.valid("param");
    assertKnownModel(`${owner}/${name}`);
    return c.json(MODEL, 200);
  });
}
