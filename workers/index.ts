// The Worker's exports and nothing else: HTTP, the queues' consumers, and the indexing
// jobs' and batches' Durable Object classes.
import { newApp } from "./app";
import { queueHandler } from "./queue-handler";

export { IndexJobs } from "./indexing/jobs-object";
export { Batches } from "./batches/batches-object";

const app = newApp();

export default {
  fetch: app.fetch,
  queue: queueHandler,
} satisfies ExportedHandler<Env, unknown>;
