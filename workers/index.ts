// The Worker's exports and nothing else: HTTP, the queues' consumers, and the indexing
// jobs' Durable Object class.
import { newApp } from "./app";
import { queueHandler } from "./queue-handler";

export { IndexJobs } from "./indexing/jobs-object";

const app = newApp();

export default {
  fetch: app.fetch,
  queue: queueHandler,
} satisfies ExportedHandler<Env, unknown>;
