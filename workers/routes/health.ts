/**
 * `GET /healthz` (the Worker runs) and `GET /readyz` (a GPU worker answers its health
 * check). Neither needs a key, and neither says which upstream is down: that is for
 * the operator's logs, not the internet.
 */
import type { OpenAPIHono } from "@hono/zod-openapi";
import type { AppEnv } from "../app-env";

export function registerHealth(app: OpenAPIHono<AppEnv>): void {
  app.get("/healthz", (c) => c.json({ status: "ok" }));
  app.get("/readyz", async (c) => {
    const gpuReady = await c.get("services").gpu.ready();
    return c.json({ status: gpuReady ? "ready" : "unavailable", checks: { gpu_pool: gpuReady } }, gpuReady ? 200 : 503);
  });
}
