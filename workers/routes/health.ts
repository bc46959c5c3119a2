/**
 * `GET /healthz` (the Worker runs) and `GET /readyz` (a GPU worker answers its health
 * check). Neither needs a key, and neither says which upstream is down: that is for
 * the operator's logs, not the internet.
 */
import { createRoute, z, type OpenAPIHono } from "@hono/zod-openapi";
import type { AppEnv } from "../app-env";
import { errorResponses } from "./error-responses";
import { jsonResponse } from "./json-response";

const ReadinessSchema = z
  .object({
    status: z.enum(["ready", "unavailable"]),
    checks: z.object({ gpu_pool: z.boolean() }),
  })
  .openapi("Readiness");

const livenessRoute = createRoute({
  method: "get",
  path: "/healthz",
  summary: "Liveness: the Worker runs",
  responses: {
    200: {
      description: "Alive",
      content: {
        "application/json": { schema: z.object({ status: z.literal("ok") }) },
      },
    },
    ...errorResponses(),
  },
});

const readinessRoute = createRoute({
  method: "get",
  path: "/readyz",
  summary: "Readiness: a GPU worker answers its health check",
  responses: {
    200: jsonResponse(ReadinessSchema, "Ready"),
    503: jsonResponse(ReadinessSchema, "No GPU worker is ready"),
    ...errorResponses(),
  },
});

export function registerHealth(app: OpenAPIHono<AppEnv>): void {
  app.openapi(livenessRoute, (c) => c.json({ status: "ok" as const }, 200));
  app.openapi(readinessRoute, async (c) => {
    const gpuReady = await c.get("services").gpu.ready();
    return gpuReady
      ? c.json({ status: "ready" as const, checks: { gpu_pool: true } }, 200)
      : c.json(
          { status: "unavailable" as const, checks: { gpu_pool: false } },
          503,
        );
  });
}
