/**
 * Credentials toward the GPU workers: the shared GPU_WORKER_TOKEN, per-endpoint headers
 * (GPU_WORKER_HEADERS, e.g. Modal's proxy auth) overriding it, and a rejected credential
 * reported as our unavailability, never as the tenant's fault.
 */
import { afterAll, beforeAll, expect, it } from "vitest";
import { startEdge, type TestEdge } from "../support/edge";
import { startStandin, type Standin } from "../support/standin";

const RIGHT = "sglang-api-key-0123456789abcdef";
let standin: Standin;
const edges: TestEdge[] = [];
beforeAll(async () => {
  standin = await startStandin({ apiKey: RIGHT });
});
afterAll(async () => {
  await Promise.all(edges.map((e) => e.dispose()));
  await standin?.close();
});

async function embedWith(
  vars: Record<string, string>,
  options: { seedTenant?: boolean } = {},
): Promise<Response> {
  const seed = options.seedTenant ?? true;
  const edge = await startEdge({
    gpuUrls: [standin.url],
    vars: { GPU_MAX_RETRIES: "0", ...vars },
    ...(seed ? {} : { adminToken: null }),
  });
  edges.push(edge);
  // An edge whose configuration is invalid cannot create a tenant; any well-formed key reaches the config check.
  const headers: Record<string, string> = seed
    ? {}
    : {
        authorization:
          "Bearer sk_live_0123456789abcdef_0123456789abcdef0123456789abcdef",
      };
  return edge.embed(
    {
      model: "Qwen3-Embedding-4B",
      input: [`auth ${Object.keys(vars).join()}`],
    },
    headers,
  );
}

it("sends GPU_WORKER_TOKEN as Bearer", async () => {
  expect((await embedWith({ GPU_WORKER_TOKEN: RIGHT })).status).toBe(200);
});

it("answers 503, not 401, when the GPU worker refuses our credential", async () => {
  const res = await embedWith({
    GPU_WORKER_TOKEN: "wrong-token-000000000000000000",
  });
  expect(res.status).toBe(503);
  expect(((await res.json()) as { error: { code: string } }).error.code).toBe(
    "gpu_pool_unavailable",
  );
});

it("lets an endpoint's own headers override the shared token", async () => {
  const headers = JSON.stringify({
    [standin.url]: { Authorization: `Bearer ${RIGHT}`, "Modal-Key": "wk-test" },
  });
  expect(
    (
      await embedWith({
        GPU_WORKER_TOKEN: "wrong-token-000000000000000000",
        GPU_WORKER_HEADERS: headers,
      })
    ).status,
  ).toBe(200);
});

it("fails closed on GPU_WORKER_HEADERS naming an unknown endpoint", async () => {
  const res = await embedWith(
    {
      GPU_WORKER_HEADERS: JSON.stringify({
        "https://elsewhere.example": { "Modal-Key": "x" },
      }),
    },
    { seedTenant: false },
  );
  expect(res.status).toBe(500);
  const body = (await res.json()) as {
    error: { message: string; code: string | null; type: string };
  };
  expect(body.error.type).toBe("server_error");
  expect(body.error.message).not.toContain("elsewhere");
});
