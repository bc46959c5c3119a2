// The CPU stand-in, in-process over real HTTP, for tests that need a GPU worker.
export { startStandin, type Standin } from "../../gpu-worker/standin/server";
