// The CLI as people run it: it prints where it listens and that its vectors are not
// Qwen3's, serves, and exits 0 on SIGTERM.
import { spawn } from "node:child_process";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const ROOT = path.resolve(
  path.dirname(fileURLToPath(import.meta.url)),
  "../..",
);

describe("npm run gpu-standin", () => {
  it("prints its URL and the NOT-Qwen banner, serves, and stops cleanly on SIGTERM", async () => {
    const child = spawn(
      process.execPath,
      ["--import", "tsx", "gpu-worker/standin/main.ts", "--port", "0"],
      {
        cwd: ROOT,
        env: { ...process.env, STANDIN_PROFILE: "l4" },
        stdio: ["ignore", "pipe", "pipe"],
      },
    );
    const exited = new Promise<number | null>((resolve) =>
      child.on("exit", (code) => resolve(code)),
    );
    let stdout = "";
    child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
    try {
      const deadline = Date.now() + 30_000;
      while (!/latency profile/.test(stdout) && Date.now() < deadline) {
        await new Promise((r) => setTimeout(r, 20));
      }
      const lines = stdout.split("\n");
      expect(lines[0]).toMatch(
        /^stand-in listening on http:\/\/127\.0\.0\.1:\d+$/,
      );
      expect(lines[1]).toBe(
        "CPU stand-in: vectors are feature hashing of words and character 3-grams, NOT Qwen3-Embedding-4B; never compare them with real embeddings",
      );
      expect(lines[2]).toMatch(
        /^engine sglang, model .*, latency profile l4, auth off/,
      );
      const url = lines[0]!.slice("stand-in listening on ".length);
      const res = await fetch(`${url}/v1/embeddings`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ input: "Hello, my dog is cute" }),
      });
      expect(res.status).toBe(200);
      expect((await res.json()).usage.prompt_tokens).toBe(7);
    } finally {
      child.kill("SIGTERM");
    }
    expect(await exited).toBe(0);
    expect(stdout).toContain("stand-in: SIGTERM, stopping");
  });
});
