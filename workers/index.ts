// The Worker's exports and nothing else: HTTP, and the usage queue's consumer.
import { newApp } from "./app";
import { usageQueueHandler } from "./metering/usage-queue-handler";

const app = newApp();

export default {
  fetch: app.fetch,
  queue: usageQueueHandler,
} satisfies ExportedHandler<Env, unknown>;
