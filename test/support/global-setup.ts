// Builds the Worker bundle once for the whole test run (test/support/edge.ts loads it
// into workerd through Miniflare), and starts a fresh collection of every line any
// Worker logs (WORKER_LOG), which check-worker-logs.ts scans for secrets after the run.
import { rmSync } from "node:fs";
import path from "node:path";
import { buildWorker, REPO_ROOT } from "../../infra/local/build-worker";

export const TEST_BUNDLE = path.join(REPO_ROOT, "dist/test/worker.mjs");
export const WORKER_LOG = path.join(REPO_ROOT, "dist/test/worker-logs.txt");

export default async function setup(): Promise<void> {
  rmSync(WORKER_LOG, { force: true });
  await buildWorker(TEST_BUNDLE);
}
