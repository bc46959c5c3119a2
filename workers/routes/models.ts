/** `GET /v1/models`: the one model this API serves, in OpenAI's list shape. */
import { createRoute, z, type OpenAPIHono } from "@hono/zod-openapi";
import type { AppEnv } from "../app-env";
import { PUBLIC_MODEL_ID } from "../env";
import { apiKeyAuth } from "../middleware/auth";
import { ErrorEnvelopeSchema } from "./error-schema";

/** 2025-06-05, the model's release on Hugging Face; fixed so the answer is stable. */
const MODEL_CREATED = 1749081600;
const MODEL_OWNER = "qwen";

const ModelSchema = z.object({
  id: z.string(),
  object: z.literal("model"),
  created: z.number().int(),
  owned_by: z.string(),
});

const route = createRoute({
  method: "get",
  path: "/v1/models",
  security: [{ bearerAuth: [] }],
  middleware: [apiKeyAuth({ scope: "embed" })] as const,
  responses: {
    200: {
      description: "Models",
      content: { "application/json": { schema: z.object({ object: z.literal("list"), data: z.array(ModelSchema) }).openapi("ModelList") } },
    },
    401: { description: "Missing or invalid API key", content: { "application/json": { schema: ErrorEnvelopeSchema } } },
  },
});

export function registerModels(app: OpenAPIHono<AppEnv>): void {
  app.openapi(route, (c) =>
    c.json(
      { object: "list" as const, data: [{ id: PUBLIC_MODEL_ID, object: "model" as const, created: MODEL_CREATED, owned_by: MODEL_OWNER }] },
      200,
    ),
  );
}
