/**
 * One authentication suite, run against every `/v1` and `/admin/v1` route: no key,
 * malformed key, unknown key, revoked key, wrong scope, suspended tenant, wrong admin
 * token, each with its exact envelope. Plus: a revoked key and a suspended tenant are
 * refused within 5 seconds.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startEdge, TEST_ADMIN_TOKEN, type TestEdge } from "../support/edge";
import { startStandin, type Standin } from "../support/standin";
import type { Scope } from "../../workers/tenants/types";

let standin: Standin;
let edge: TestEdge;
beforeAll(async () => {
  standin = await startStandin({});
  edge = await startEdge({ gpuUrls: [standin.url] });
});
afterAll(async () => {
  await edge?.dispose();
  await standin?.close();
});

const MISSING = {
  message: "You didn't provide an API key. You need to provide your API key in an Authorization header using Bearer auth (i.e. Authorization: Bearer YOUR_KEY).",
  type: "invalid_request_error",
  param: null,
  code: null,
};
const BAD = {
  message: "Incorrect API key provided. Check the key you are using, or ask your administrator for a new one.",
  type: "invalid_request_error",
  param: null,
  code: "invalid_api_key",
};
const SUSPENDED = { message: "This tenant is suspended. Contact your administrator.", type: "invalid_request_error", param: null, code: "tenant_suspended" };
const wrongScope = (scope: Scope) => ({ message: `This API key does not have the '${scope}' scope.`, type: "invalid_request_error", param: null, code: "insufficient_permissions" });
const BAD_ADMIN = { message: "Invalid or missing admin token.", type: "invalid_request_error", param: null, code: "invalid_admin_token" };

interface Route {
  method: string;
  path: string;
  scope: Scope;
  body?: unknown;
}
const V1_ROUTES: Route[] = [
  { method: "POST", path: "/v1/embeddings", scope: "embed", body: { model: "Qwen3-Embedding-4B", input: "auth suite" } },
  { method: "GET", path: "/v1/models", scope: "embed" },
  { method: "GET", path: "/v1/models/Qwen3-Embedding-4B", scope: "embed" },
  { method: "GET", path: "/v1/models/Qwen/Qwen3-Embedding-4B", scope: "embed" },
  { method: "GET", path: "/v1/usage", scope: "usage" },
  { method: "POST", path: "/v1/index/jobs", scope: "index", body: { documents: [{ id: "a", text: "auth suite" }] } },
  { method: "GET", path: "/v1/index/jobs", scope: "index" },
  { method: "GET", path: "/v1/index/jobs/job_000000000000AAAAAAAAAAAAAAAA", scope: "index" },
  { method: "POST", path: "/v1/index/jobs/job_000000000000AAAAAAAAAAAAAAAA/cancel", scope: "index" },
  { method: "GET", path: "/v1/index/jobs/job_000000000000AAAAAAAAAAAAAAAA/results", scope: "index" },
  { method: "POST", path: "/v1/files", scope: "batch", body: {} },
  { method: "GET", path: "/v1/files", scope: "batch" },
  { method: "GET", path: "/v1/files/file-000000000000AAAAAAAAAAAAAAAA", scope: "batch" },
  { method: "GET", path: "/v1/files/file-000000000000AAAAAAAAAAAAAAAA/content", scope: "batch" },
  { method: "DELETE", path: "/v1/files/file-000000000000AAAAAAAAAAAAAAAA", scope: "batch" },
  { method: "POST", path: "/v1/batches", scope: "batch", body: { input_file_id: "file-000000000000AAAAAAAAAAAAAAAA", endpoint: "/v1/embeddings", completion_window: "24h" } },
  { method: "GET", path: "/v1/batches", scope: "batch" },
  { method: "GET", path: "/v1/batches/batch_000000000000AAAAAAAAAAAAAAAA", scope: "batch" },
  { method: "POST", path: "/v1/batches/batch_000000000000AAAAAAAAAAAAAAAA/cancel", scope: "batch" },
  { method: "GET", path: "/v1/keys", scope: "keys" },
  { method: "POST", path: "/v1/keys", scope: "keys", body: {} },
  { method: "DELETE", path: "/v1/keys/0000000000000000", scope: "keys" },
  { method: "GET", path: "/v1/webhook-secret", scope: "keys" },
  { method: "POST", path: "/v1/webhook-secret/rotate", scope: "keys", body: {} },
  { method: "GET", path: "/v1/account", scope: "usage" },
];
const ADMIN_ROUTES = [
  { method: "POST", path: "/admin/v1/tenants", body: { name: "x" } },
  { method: "GET", path: "/admin/v1/tenants/ten_0000000000000000" },
  { method: "PATCH", path: "/admin/v1/tenants/ten_0000000000000000", body: { name: "y" } },
  { method: "POST", path: "/admin/v1/tenants/ten_0000000000000000/keys", body: {} },
  { method: "GET", path: "/admin/v1/tenants/ten_0000000000000000/keys" },
  { method: "DELETE", path: "/admin/v1/keys/0000000000000000" },
  { method: "GET", path: "/admin/v1/tenants/ten_0000000000000000/usage" },
  { method: "POST", path: "/admin/v1/tenants/ten_0000000000000000/webhook-secret", body: {} },
  { method: "GET", path: "/admin/v1/tenants/ten_0000000000000000/webhook-secret" },
  { method: "GET", path: "/admin/v1/tenants" },
  { method: "POST", path: "/admin/v1/tenants/reindex", body: {} },
];

async function call(route: { method: string; path: string; body?: unknown }, authorization?: string) {
  const res = await edge.fetch(route.path, {
    method: route.method,
    headers: { "content-type": "application/json", ...(authorization === undefined ? {} : { authorization }) },
    ...(route.body === undefined ? {} : { body: JSON.stringify(route.body) }),
  });
  return { status: res.status, body: (await res.json()) as unknown };
}

describe.each(V1_ROUTES)("$method $path", (route) => {
  it("401 without a key, with a malformed, unknown or revoked key", async () => {
    expect(await call(route)).toEqual({ status: 401, body: { error: MISSING } });
    for (const authorization of ["Bearer not-a-key", "Basic abc", `Bearer sk_live_0123456789abcdef_0123456789abcdef0123456789abcdef`]) {
      expect(await call(route, authorization)).toEqual({ status: 401, body: { error: BAD } });
    }
    const revoked = await edge.newTenant();
    expect((await edge.admin("DELETE", `/keys/${revoked.keyId}`)).status).toBe(204);
    await new Promise((r) => setTimeout(r, 2100)); // past the isolate's lookup cache
    expect(await call(route, `Bearer ${revoked.apiKey}`)).toEqual({ status: 401, body: { error: BAD } });
    // The admin token is not an API key.
    expect(await call(route, `Bearer ${TEST_ADMIN_TOKEN}`)).toEqual({ status: 401, body: { error: BAD } });
  });

  it("403 for a key without the route's scope, and for a suspended tenant", async () => {
    const others = (["embed", "index", "usage", "batch", "keys"] as const).filter((s) => s !== route.scope);
    const scoped = await edge.newTenant({ scopes: [...others] });
    expect(await call(route, `Bearer ${scoped.apiKey}`)).toEqual({ status: 403, body: { error: wrongScope(route.scope) } });
    const suspended = await edge.newTenant();
    expect((await edge.admin("PATCH", `/tenants/${suspended.tenantId}`, { status: "suspended" })).status).toBe(200);
    expect(await call(route, `Bearer ${suspended.apiKey}`)).toEqual({ status: 403, body: { error: SUSPENDED } });
  });
});

describe.each(ADMIN_ROUTES)("$method $path", (route) => {
  it("401 without the admin token, with a wrong one, or with an API key", async () => {
    for (const authorization of [undefined, "Bearer wrong-admin-token-0123456789", `Bearer ${TEST_ADMIN_TOKEN}x`, `Bearer ${edge.apiKey}`]) {
      expect(await call(route, authorization)).toEqual({ status: 401, body: { error: BAD_ADMIN } });
    }
  });
});

describe("revocation and suspension", () => {
  async function secondsUntil(status: number, authorization: string): Promise<number> {
    const started = Date.now();
    for (;;) {
      const res = await edge.fetch("/v1/models", { headers: { authorization } });
      await res.arrayBuffer();
      if (res.status === status) return (Date.now() - started) / 1000;
      if (Date.now() - started > 10_000) throw new Error(`still not ${status} after 10 s`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  it("refuses a revoked key within 5 seconds, though it was just used", async () => {
    const tenant = await edge.newTenant();
    expect((await call(V1_ROUTES[1]!, `Bearer ${tenant.apiKey}`)).status).toBe(200); // now in the isolate's cache
    expect((await edge.admin("DELETE", `/keys/${tenant.keyId}`)).status).toBe(204);
    expect(await secondsUntil(401, `Bearer ${tenant.apiKey}`)).toBeLessThanOrEqual(5);
  });

  it("refuses a suspended tenant within 5 seconds, and serves it again after reactivation", async () => {
    const tenant = await edge.newTenant();
    expect((await call(V1_ROUTES[1]!, `Bearer ${tenant.apiKey}`)).status).toBe(200);
    expect((await edge.admin("PATCH", `/tenants/${tenant.tenantId}`, { status: "suspended" })).status).toBe(200);
    expect(await secondsUntil(403, `Bearer ${tenant.apiKey}`)).toBeLessThanOrEqual(5);
    expect((await edge.admin("PATCH", `/tenants/${tenant.tenantId}`, { status: "active" })).status).toBe(200);
    expect(await secondsUntil(200, `Bearer ${tenant.apiKey}`)).toBeLessThanOrEqual(5);
  });
});

it("never logs an API key or the admin token", () => {
  const all = edge.logs.join("\n");
  expect(all).not.toContain(TEST_ADMIN_TOKEN);
  expect(all).not.toContain(edge.apiKey);
  expect(all).not.toMatch(/sk_(live|test)_[0-9A-Za-z]{16}_[0-9A-Za-z]{32}/);
});
