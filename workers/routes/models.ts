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
import { errorResponses } from "./error-responses";
import { jsonResponse } from "./json-response";

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
const MODEL = {
  id: PUBLIC_MODEL_ID,
  object: "model" as const,
  created: MODEL_CREATED,
  owned_by: MODEL_OWNER,
};

/** What both model routes can answer besides the model: the key check (middleware/auth.ts). */
const KEY_ERRORS = [
  [401, "Missing or invalid API key"],
  [403, "The key lacks the embed scope, or the tenant is suspended"],
  [503, "Tenancy store unavailable"],
] as const;

const listRoute = createRoute({
  method: "get",
  path: "/v1/models",
  security: [{ bearerAuth: ["embed"] }],
  middleware: [apiKeyAuth({ scope: "embed" })] as const,
  responses: {
    200: {
      description: "Models",
      content: {
        "application/json": {
          schema: z
            .object({ object: z.literal("list"), data: z.array(ModelSchema) })
            .openapi("ModelList"),
        },
      },
    },
    ...errorResponses(...KEY_ERRORS),
  },
});

const retrieveRoute = createRoute({
  method: "get",
  path: "/v1/models/{model}",
  security: [{ bearerAuth: ["embed"] }],
  middleware: [apiKeyAuth({ scope: "embed" })] as const,
  request: {
    params: z.object({
      model: z.string().openapi({
        description: `${PUBLIC_MODEL_ID}, or Qwen/Qwen3-Embedding-4B (slash as %2F)`,
        example: PUBLIC_MODEL_ID,
      }),
    }),
  },
  responses: {
    200: jsonResponse(ModelSchema, "The model"),
    ...errorResponses(
      [404, "Unknown model (`model_not_found`)"],
      ...KEY_ERRORS,
    ),
  },
});

/** `Qwen/Qwen3-Embedding-4B` with its slash unencoded: two path segments, documented like every served route. */
const retrieveBySegmentsRoute = createRoute({
  ...retrieveRoute,
  path: "/v1/models/{owner}/{name}",
  description:
    "The same model object, for clients that send the upstream id `Qwen/Qwen3-Embedding-4B` with its slash as is.",
  request: {
    params: z.object({
      owner: z
        .string()
        .openapi({ param: { name: "owner", in: "path" }, example: "Qwen" }),
      name: z.string().openapi({
        param: { name: "name", in: "path" },
        example: "Qwen3-Embedding-4B",
      }),
    }),
  },
});

export function registerModels(app: OpenAPIHono<AppEnv>): void {
  app.openapi(listRoute, (c) =>
    c.json({ object: "list" as const, data: [MODEL] }, 200),
  );
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
