import { defineConfig } from "vitest/config";

// Tests run in Node and drive real parts: the Worker inside workerd (Miniflare), the
// CPU stand-in and the Upstash REST bridge over HTTP, redis-server processes on free
// ports. Forks keep each file's child processes and ports apart.
export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    pool: "forks",
    testTimeout: 60_000,
    hookTimeout: 120_000,
    globalSetup: ["test/support/global-setup.ts"],
  },
});
