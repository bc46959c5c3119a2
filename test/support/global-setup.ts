// Builds the Worker bundle and its static assets once for the whole test run
// (test/support/edge.ts loads both into workerd through Miniflare), and starts a fresh collection of every line any
// Worker logs (WORKER_LOG), which check-worker-logs.ts scans for secrets after the run.
import { rmSync } from "node:fs";
import path from "node:path";
import { buildWorker, REPO_ROOT } from "../../infra/local/build-worker";
import { buildAssets } from "../../infra/local/build-assets";

export const TEST_BUNDLE = path.join(REPO_ROOT, "dist/test/worker.mjs");
/** The static assets (console, docs) every test edge serves through its ASSETS binding. */
export const TEST_ASSETS = path.join(REPO_ROOT, "dist/test/static");
export const WORKER_LOG = path.join(REPO_ROOT, "dist/test/worker-logs.txt");

export default async function setup(): Promise<void> {
  rmSync(WORKER_LOG, { force: true });
  await Promise.all([buildWorker(TEST_BUNDLE), buildAssets(TEST_ASSETS)]);
}
