/**
 * One authentication suite, run against every `/v1` and `/admin/v1` route: no key,
 * malformed key, unknown key, revoked key, wrong scope, suspended tenant, wrong admin
 * token, each with its exact envelope. Plus: a revoked key and a suspended tenant are
 * refused within 5 seconds. The routes come from the edge's own `/openapi.json`: every
 * operation whose security names `bearerAuth` (with the scope it needs) or `adminToken`,
 * path parameters filled with their documented examples; an operation with neither must
 * be one of the public ones below, so no new route can skip this suite.
 */
import { afterAll, describe, expect, it } from "vitest";
import { startEdge, TEST_ADMIN_TOKEN, type TestEdge } from "../support/edge";
import { startStandin, type Standin } from "../support/standin";
import { operationsOf, type OpenApiDocument } from "../support/openapi-check";
import { SCOPES, type Scope } from "../../workers/tenants/records";

// Started at collection time: the routes below are read from the running edge's document.
const standin: Standin = await startStandin({});
const edge: TestEdge = await startEdge({ gpuUrls: [standin.url] });
const doc = (await (
  await edge.fetch("/openapi.json")
).json()) as OpenApiDocument;
afterAll(async () => {
  await edge?.dispose();
  await standin?.close();
});

const MISSING = {
  message:
    "You didn't provide an API key. You need to provide your API key in an Authorization header using Bearer auth (i.e. Authorization: Bearer YOUR_KEY).",
  type: "invalid_request_error",
  param: null,
  code: null,
};
const BAD = {
  message:
    "Incorrect API key provided. Check the key you are using, or ask your administrator for a new one.",
  type: "invalid_request_error",
  param: null,
  code: "invalid_api_key",
};
const SUSPENDED = {
  message: "This tenant is suspended. Contact your administrator.",
  type: "invalid_request_error",
  param: null,
  code: "tenant_suspended",
};
const wrongScope = (scope: Scope) => ({
  message: `This API key does not have the '${scope}' scope.`,
  type: "invalid_request_error",
  param: null,
  code: "insufficient_permissions",
});
const BAD_ADMIN = {
  message: "Invalid or missing admin token.",
  type: "invalid_request_error",
  param: null,
  code: "invalid_admin_token",
};

interface Route {
  method: string;
  path: string;
  scope: Scope;
  body?: unknown;
  /** `METHOD /path/{param}` as documented. */
  operation: string;
}
/** Operations anyone may call: no credential to check. */
const PUBLIC = [
  "GET /healthz",
  "GET /readyz",
  "GET /console",
  "GET /docs",
  "GET /assets/{file}",
];

/** `path` with each `{param}` replaced by the example the document gives for it. */
function examplePath(
  path: string,
  parameters: {
    name: string;
    in: string;
    example?: unknown;
    schema?: { example?: unknown };
  }[] = [],
): string {
  return path.replaceAll(/\{([^}]+)\}/g, (_, name: string) => {
    const parameter = parameters.find(
      (p) => p.in === "path" && p.name === name,
    );
    const example = parameter?.example ?? parameter?.schema?.example;
    if (typeof example !== "string")
      throw new Error(
        `${path}: path parameter '${name}' has no example in /openapi.json`,
      );
    return encodeURIComponent(example);
  });
}

const V1_ROUTES: Route[] = [];
const ADMIN_ROUTES: Omit<Route, "scope">[] = [];
const UNGUARDED: string[] = [];
for (const { path, method, operation } of operationsOf(doc)) {
  const route = {
    method: method.toUpperCase(),
    path: examplePath(path, operation.parameters),
    operation: `${method.toUpperCase()} ${path}`,
    ...(operation.requestBody ? { body: {} } : {}),
  };
  const key = operation.security?.find((s) => "bearerAuth" in s)?.bearerAuth;
  if (key !== undefined) {
    if (key.length !== 1 || !(SCOPES as readonly string[]).includes(key[0]!))
      throw new Error(
        `${method} ${path}: bearerAuth must name exactly one scope, not ${JSON.stringify(key)}`,
      );
    V1_ROUTES.push({ ...route, scope: key[0] as Scope });
  } else if (operation.security?.some((s) => "adminToken" in s)) {
    ADMIN_ROUTES.push(route);
  } else if (!PUBLIC.includes(route.operation)) {
    UNGUARDED.push(route.operation);
  }
}

it("finds every operation in /openapi.json guarded by a key or the admin token, or listed as public", () => {
  expect(UNGUARDED).toEqual([]);
  // A floor, not the source: the routes this suite covered when its list was kept by hand.
  expect(V1_ROUTES.map((r) => `${r.operation} ${r.scope}`)).toEqual(
    expect.arrayContaining(HAND_KEPT_V1),
  );
  expect(ADMIN_ROUTES.map((r) => r.operation)).toEqual(
    expect.arrayContaining(HAND_KEPT_ADMIN),
  );
});

const HAND_KEPT_V1 = [
  "POST /v1/embeddings embed",
  "GET /v1/models embed",
  "GET /v1/models/{model} embed",
  "GET /v1/models/{owner}/{name} embed",
  "GET /v1/usage usage",
  "POST /v1/index/jobs index",
  "GET /v1/index/jobs index",
  "GET /v1/index/jobs/{id} index",
  "POST /v1/index/jobs/{id}/cancel index",
  "GET /v1/index/jobs/{id}/results index",
  "POST /v1/files batch",
  "GET /v1/files batch",
  "GET /v1/files/{file_id} batch",
  "GET /v1/files/{file_id}/content batch",
  "DELETE /v1/files/{file_id} batch",
  "POST /v1/batches batch",
  "GET /v1/batches batch",
  "GET /v1/batches/{batch_id} batch",
  "POST /v1/batches/{batch_id}/cancel batch",
  "GET /v1/keys keys",
  "POST /v1/keys keys",
  "DELETE /v1/keys/{id} keys",
  "GET /v1/webhook-secret keys",
  "POST /v1/webhook-secret/rotate keys",
  "GET /v1/account usage",
];
const HAND_KEPT_ADMIN = [
  "POST /admin/v1/tenants",
  "GET /admin/v1/tenants/{id}",
  "PATCH /admin/v1/tenants/{id}",
  "POST /admin/v1/tenants/{id}/keys",
  "GET /admin/v1/tenants/{id}/keys",
  "DELETE /admin/v1/keys/{keyId}",
  "GET /admin/v1/tenants/{id}/usage",
  "POST /admin/v1/tenants/{id}/webhook-secret",
  "GET /admin/v1/tenants/{id}/webhook-secret",
  "GET /admin/v1/tenants",
  "POST /admin/v1/tenants/reindex",
];

async function call(
  route: { method: string; path: string; body?: unknown },
  authorization?: string,
) {
  const res = await edge.fetch(route.path, {
    method: route.method,
    headers: {
      "content-type": "application/json",
      ...(authorization === undefined ? {} : { authorization }),
    },
    ...(route.body === undefined ? {} : { body: JSON.stringify(route.body) }),
  });
  return { status: res.status, body: (await res.json()) as unknown };
}

describe.each(V1_ROUTES)("$method $path", (route) => {
  it("401 without a key, with a malformed, unknown or revoked key", async () => {
    expect(await call(route)).toEqual({
      status: 401,
      body: { error: MISSING },
    });
    for (const authorization of [
      "Bearer not-a-key",
      "Basic abc",
      `Bearer sk_live_0123456789abcdef_0123456789abcdef0123456789abcdef`,
    ]) {
      expect(await call(route, authorization)).toEqual({
        status: 401,
        body: { error: BAD },
      });
    }
    const revoked = await edge.newTenant();
    expect((await edge.admin("DELETE", `/keys/${revoked.keyId}`)).status).toBe(
      204,
    );
    await new Promise((r) => setTimeout(r, 2100)); // past the isolate's lookup cache
    expect(await call(route, `Bearer ${revoked.apiKey}`)).toEqual({
      status: 401,
      body: { error: BAD },
    });
    // The admin token is not an API key.
    expect(await call(route, `Bearer ${TEST_ADMIN_TOKEN}`)).toEqual({
      status: 401,
      body: { error: BAD },
    });
  });

  it("403 for a key without the route's scope, and for a suspended tenant", async () => {
    const others = (
      ["embed", "index", "usage", "batch", "keys"] as const
    ).filter((s) => s !== route.scope);
    const scoped = await edge.newTenant({ scopes: [...others] });
    expect(await call(route, `Bearer ${scoped.apiKey}`)).toEqual({
      status: 403,
      body: { error: wrongScope(route.scope) },
    });
    const suspended = await edge.newTenant();
    expect(
      (
        await edge.admin("PATCH", `/tenants/${suspended.tenantId}`, {
          status: "suspended",
        })
      ).status,
    ).toBe(200);
    expect(await call(route, `Bearer ${suspended.apiKey}`)).toEqual({
      status: 403,
      body: { error: SUSPENDED },
    });
  });
});

describe.each(ADMIN_ROUTES)("$method $path", (route) => {
  it("401 without the admin token, with a wrong one, or with an API key", async () => {
    for (const authorization of [
      undefined,
      "Bearer wrong-admin-token-0123456789",
      `Bearer ${TEST_ADMIN_TOKEN}x`,
      `Bearer ${edge.apiKey}`,
    ]) {
      expect(await call(route, authorization)).toEqual({
        status: 401,
        body: { error: BAD_ADMIN },
      });
    }
  });
});

const MODELS = { method: "GET", path: "/v1/models" };

describe("revocation and suspension", () => {
  async function secondsUntil(
    status: number,
    authorization: string,
  ): Promise<number> {
    const started = Date.now();
    for (;;) {
      const res = await edge.fetch("/v1/models", {
        headers: { authorization },
      });
      await res.arrayBuffer();
      if (res.status === status) return (Date.now() - started) / 1000;
      if (Date.now() - started > 10_000)
        throw new Error(`still not ${status} after 10 s`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  it("refuses a revoked key within 5 seconds, though it was just used", async () => {
    const tenant = await edge.newTenant();
    expect((await call(MODELS, `Bearer ${tenant.apiKey}`)).status).toBe(200); // now in the isolate's cache
    expect((await edge.admin("DELETE", `/keys/${tenant.keyId}`)).status).toBe(
      204,
    );
    expect(
      await secondsUntil(401, `Bearer ${tenant.apiKey}`),
    ).toBeLessThanOrEqual(5);
  });

  it("refuses a suspended tenant within 5 seconds, and serves it again after reactivation", async () => {
    const tenant = await edge.newTenant();
    expect((await call(MODELS, `Bearer ${tenant.apiKey}`)).status).toBe(200);
    expect(
      (
        await edge.admin("PATCH", `/tenants/${tenant.tenantId}`, {
          status: "suspended",
        })
      ).status,
    ).toBe(200);
    expect(
      await secondsUntil(403, `Bearer ${tenant.apiKey}`),
    ).toBeLessThanOrEqual(5);
    expect(
      (
        await edge.admin("PATCH", `/tenants/${tenant.tenantId}`, {
          status: "active",
        })
      ).status,
    ).toBe(200);
    expect(
      await secondsUntil(200, `Bearer ${tenant.apiKey}`),
    ).toBeLessThanOrEqual(5);
  });
});

it("never logs an API key or the admin token", () => {
  const all = edge.logs.join("\n");
  expect(all).not.toContain(TEST_ADMIN_TOKEN);
  expect(all).not.toContain(edge.apiKey);
  expect(all).not.toMatch(/sk_(live|test)_[0-9A-Za-z]{16}_[0-9A-Za-z]{32}/);
});
