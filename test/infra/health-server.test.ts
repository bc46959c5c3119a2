/**
 * gpu-worker/health_server.py against a fake SGLang over real HTTP: /ping answers 204
 * while no real embedding round trip has worked (nothing listening, NaN vectors, wrong
 * size), 200 once one has, 503 when round trips keep failing afterwards.
 */
import { freePort } from "../../infra/local/free-port";
import { spawn, type ChildProcess } from "node:child_process";
import { createServer, type Server } from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { repoPath } from "./repo-files";

type Mode = "ok" | "error" | "nan" | "short";
const API_KEY = "health-test-key-0123456789abcdef";

let mode: Mode = "nan";
const seen: Array<{ auth: string | undefined; model: unknown }> = [];
let sglang: Server | undefined;
let health: ChildProcess | undefined;
let sglangPort = 0;
let healthPort = 0;

function startFakeSglang(): Promise<void> {
  sglang = createServer((req, res) => {
    let body = "";
    req.on("data", (chunk) => (body += chunk));
    req.on("end", () => {
      seen.push({
        auth: req.headers.authorization,
        model: JSON.parse(body).model,
      });
      if (mode === "error") {
        res
          .writeHead(500, { "content-type": "application/json" })
          .end('{"object":"error","message":"boom"}');
        return;
      }
      const dims = mode === "short" ? 1024 : 2560;
      const value = mode === "nan" ? "NaN" : String(1 / Math.sqrt(dims));
      const vector = `[${Array.from({ length: dims }, () => value).join(",")}]`;
      res.writeHead(200, { "content-type": "application/json" });
      res.end(
        `{"object":"list","data":[{"object":"embedding","index":0,"embedding":${vector}}],"usage":{"prompt_tokens":3,"total_tokens":3}}`,
      );
    });
  });
  return new Promise((resolve) =>
    sglang!.listen(sglangPort, "127.0.0.1", resolve),
  );
}

async function get(path: string): Promise<{ status: number; body: string }> {
  const response = await fetch(`http://127.0.0.1:${healthPort}${path}`);
  return { status: response.status, body: await response.text() };
}

async function waitFor(
  path: string,
  status: number,
  timeoutMs = 10_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last = -1;
  while (Date.now() < deadline) {
    last = await get(path).then(
      (r) => r.status,
      () => -1,
    );
    if (last === status) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`${path} stayed ${last}, expected ${status}`);
}

beforeAll(async () => {
  sglangPort = await freePort();
  healthPort = await freePort();
  health = spawn("python3", [repoPath("gpu-worker", "health_server.py")], {
    env: {
      ...process.env,
      SGLANG_PORT: String(sglangPort),
      HEALTH_PORT: String(healthPort),
      SGLANG_API_KEY: API_KEY,
      WORKER_AUTH: "api-key",
      SERVED_MODEL_NAME: "Qwen/Qwen3-Embedding-4B",
      HEALTH_POLL_LOADING_S: "0.05",
      HEALTH_POLL_READY_S: "0.05",
      HEALTH_PROBE_TIMEOUT_S: "2",
      HEALTH_FAILURES_BEFORE_UNHEALTHY: "2",
    },
    stdio: ["ignore", "ignore", "pipe"],
  });
  // The health server itself is up before SGLang is.
  const deadline = Date.now() + 10_000;
  while (Date.now() < deadline) {
    if (
      (await get("/live").then(
        (r) => r.status,
        () => -1,
      )) === 200
    )
      return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error("health_server.py did not start");
});

afterAll(async () => {
  health?.kill("SIGTERM");
  await new Promise<void>((resolve) =>
    sglang ? sglang.close(() => resolve()) : resolve(),
  );
});

describe("health_server.py", () => {
  it("answers 204 with no body while SGLang is not even listening", async () => {
    const ping = await get("/ping");
    expect(ping).toEqual({ status: 204, body: "" });
    expect((await get("/ready")).status).toBe(503);
    expect((await get("/live")).status).toBe(200);
    expect((await get("/nope")).status).toBe(404);
  });

  it("stays 204 while SGLang answers but its vectors are NaN or the wrong size", async () => {
    mode = "nan";
    await startFakeSglang();
    await new Promise((r) => setTimeout(r, 400));
    expect(seen.length).toBeGreaterThan(0);
    expect((await get("/ping")).status).toBe(204);
    mode = "short";
    const before = seen.length;
    await new Promise((r) => setTimeout(r, 400));
    expect(seen.length).toBeGreaterThan(before);
    expect((await get("/ping")).status).toBe(204);
    const ready = JSON.parse((await get("/ready")).body);
    expect(ready).toMatchObject({ status: "loading", last_ok_age_s: null });
    expect(ready.detail).toContain("expected 2560");
  });

  it("turns 200 after a real round trip, sending the key and the served model name", async () => {
    mode = "ok";
    await waitFor("/ping", 200);
    expect((await get("/ready")).status).toBe(200);
    expect(JSON.parse((await get("/live")).body)).toMatchObject({
      status: "ready",
      detail: "embedding round trip ok",
    });
    expect(seen.at(-1)).toEqual({
      auth: `Bearer ${API_KEY}`,
      model: "Qwen/Qwen3-Embedding-4B",
    });
  });

  it("goes 503 on /ping, /ready and /live when round trips keep failing, and recovers", async () => {
    mode = "error";
    await waitFor("/ping", 503);
    expect((await get("/ready")).status).toBe(503);
    expect((await get("/live")).status).toBe(503);
    expect(JSON.parse((await get("/ping")).body).detail).toBe(
      "SGLang answered HTTP 500",
    );
    mode = "ok";
    await waitFor("/ping", 200);
  });
});
