/**
 * Builds the Hono app: middleware in request order, then one registration per route
 * group. `newApp()` is also what the tests and benchmarks run inside workerd.
 */
import { OpenAPIHono } from "@hono/zod-openapi";
import { timing } from "hono/timing";
import type { AppEnv } from "./app-env";
import { ApiError } from "./errors/api-error";
import { onError } from "./errors/on-error";
import { corsPolicy } from "./http/cors";
import { init } from "./middleware/init";
import { requestId } from "./middleware/request-id";
import { registerAdmin } from "./routes/admin";
import { registerEmbeddings } from "./routes/embeddings";
import { registerHealth } from "./routes/health";
import { registerModels } from "./routes/models";
import { registerUsage } from "./routes/usage";
import { registerAdminUsage } from "./routes/admin-usage";
import { registerAdminTenants } from "./routes/admin-tenants";
import { registerIndexJobs } from "./routes/index-jobs";
import { registerFiles } from "./routes/files";
import { registerBatches } from "./routes/batches";
import { validationHook } from "./routes/validation-hook";
import { registerConsole } from "./routes/console";
import { registerKeys } from "./routes/keys";
import { registerWebhookSecret } from "./routes/webhook-secret";
import { registerAccount } from "./routes/account";

export function newApp(): OpenAPIHono<AppEnv> {
  const app: OpenAPIHono<AppEnv> = new OpenAPIHono<AppEnv>({
    defaultHook: validationHook(() => app),
  });
  app.use("*", requestId());
  app.use("*", init());
  app.use("*", timing({ crossOrigin: false }));
  app.use("/v1/*", corsPolicy());
  app.onError(onError);
  app.notFound((c) => {
    throw new ApiError(
      "not_found",
      `Unknown route: ${c.req.method} ${new URL(c.req.url).pathname.slice(0, 200)}`,
    );
  });

  registerHealth(app);
  registerModels(app);
  registerEmbeddings(app);
  registerAdmin(app);
  registerUsage(app);
  registerAdminUsage(app);
  registerAdminTenants(app);
  registerIndexJobs(app);
  registerFiles(app);
  registerBatches(app);
  registerConsole(app);
  registerKeys(app);
  registerWebhookSecret(app);
  registerAccount(app);

  app.openAPIRegistry.registerComponent("securitySchemes", "bearerAuth", {
    type: "http",
    scheme: "bearer",
    description:
      "An API key (`sk_…`). Each operation's security requirement names the key scope it needs.",
  });
  app.doc31("/openapi.json", {
    openapi: "3.1.0",
    info: {
      title: "Qwen3-Embedding-4B API",
      version: "1.0.0",
      description: "OpenAI-compatible embeddings.",
    },
  });
  return app;
}
