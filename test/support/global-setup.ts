// Builds the Worker bundle once for the whole test run; test/support/edge.ts loads it
// into workerd through Miniflare.
import path from "node:path";
import { buildWorker, REPO_ROOT } from "../../infra/local/build-worker";

export const TEST_BUNDLE = path.join(REPO_ROOT, "dist/test/worker.mjs");

export default async function setup(): Promise<void> {
  await buildWorker(TEST_BUNDLE);
}
