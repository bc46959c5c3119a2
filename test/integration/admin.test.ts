/**
 * The admin API through workerd, with tenancy in a real redis-server behind the
 * Upstash REST bridge: admin auth on every route, validation, 404s, the full tenant
 * and key lifecycle with exact bodies, the key shown once, and revocation.
 */
import { Webhook } from "standardwebhooks";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startEdge, type TestEdge } from "../support/edge";
import { freePort } from "../support/redis-server";
import {
  BRIDGE_TOKEN,
  startCacheStack,
  type CacheStack,
} from "../support/cache-stack";

const ADMIN_TOKEN = "admin-token-for-tests-0123456789";
// Admin routes never reach a GPU worker; configuration still requires one URL.
const GPU_URLS = ["http://127.0.0.1:9"];
const ISO = expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
const TENANT_ID = expect.stringMatching(/^ten_[0-9A-Za-z]{16}$/);
const DEFAULT_PLAN = {
  requests_per_minute: 600,
  tokens_per_minute: 1_000_000,
  tokens_per_month: 100_000_000,
  max_inputs_per_request: 2048,
};
const ABSENT_TENANT = "ten_0000000000000000";
const ABSENT_KEY = "0000000000000000";

let stack: CacheStack;
let edge: TestEdge;
const secrets: string[] = [ADMIN_TOKEN];

beforeAll(async () => {
  stack = await startCacheStack();
  edge = await startEdge({ gpuUrls: GPU_URLS, stack, vars: { ADMIN_TOKEN } });
});
afterAll(async () => {
  await edge?.dispose();
  await stack?.close();
});

type Init = {
  body?: unknown;
  token?: string | null;
  headers?: Record<string, string>;
};

async function call(
  method: string,
  path: string,
  { body, token = ADMIN_TOKEN, headers = {} }: Init = {},
  target = edge,
) {
  const res = await target.fetch(path, {
    method,
    headers: {
      ...(token === null ? {} : { authorization: `Bearer ${token}` }),
      ...(body === undefined ? {} : { "content-type": "application/json" }),
      ...headers,
    },
    ...(body === undefined
      ? {}
      : { body: typeof body === "string" ? body : JSON.stringify(body) }),
  });
  const text = await res.text();
  return {
    status: res.status,
    headers: res.headers,
    text,
    json: text ? (JSON.parse(text) as any) : undefined,
  };
}

const envelope = (
  message: string,
  param: string | null = null,
  code: string | null = null,
  type = "invalid_request_error",
) => ({
  error: { message, type, param, code },
});
const ADMIN_401 = envelope(
  "Invalid or missing admin token.",
  null,
  "invalid_admin_token",
);

const ROUTES: [string, string, unknown?][] = [
  ["POST", "/admin/v1/tenants", { name: "x" }],
  ["GET", `/admin/v1/tenants/${ABSENT_TENANT}`],
  ["PATCH", `/admin/v1/tenants/${ABSENT_TENANT}`, { name: "x" }],
  ["POST", `/admin/v1/tenants/${ABSENT_TENANT}/keys`, {}],
  ["GET", `/admin/v1/tenants/${ABSENT_TENANT}/keys`],
  ["POST", `/admin/v1/tenants/${ABSENT_TENANT}/webhook-secret`, {}],
  ["GET", `/admin/v1/tenants/${ABSENT_TENANT}/webhook-secret`],
  ["DELETE", `/admin/v1/keys/${ABSENT_KEY}`],
  ["GET", "/admin/v1/no-such-route"],
];

describe("admin auth", () => {
  it.each(ROUTES)(
    "%s %s: 401 with no token, a wrong token, a wrong scheme",
    async (method, path, body) => {
      for (const init of [
        { token: null },
        { token: "wrong-token-0123456789abcdef" },
        { token: `${ADMIN_TOKEN}x` },
        { token: null, headers: { authorization: `Basic ${ADMIN_TOKEN}` } },
      ]) {
        const res = await call(method, path, { body, ...init });
        expect(res.status).toBe(401);
        expect(res.json).toEqual(ADMIN_401);
        expect(res.headers.get("content-type")).toBe("application/json");
      }
    },
  );

  it("refuses every token when ADMIN_TOKEN is not configured (fail closed)", async () => {
    const closed = await startEdge({
      gpuUrls: GPU_URLS,
      stack,
      adminToken: null,
    });
    try {
      const res = await call(
        "POST",
        "/admin/v1/tenants",
        { body: { name: "x" } },
        closed,
      );
      expect(res.status).toBe(401);
      expect(res.json).toEqual(ADMIN_401);
    } finally {
      await closed.dispose();
    }
  });
});

describe("validation", () => {
  const post = (body: unknown, headers?: Record<string, string>) =>
    call("POST", "/admin/v1/tenants", {
      body,
      ...(headers ? { headers } : {}),
    });

  it.each<[string, unknown, ReturnType<typeof envelope>]>([
    ["missing name", {}, envelope("'name' is a required property.", "name")],
    ["empty name", { name: "  " }, envelope("'name' cannot be empty.", "name")],
    [
      "name not a string",
      { name: 5 },
      envelope("'name' must be a string.", "name"),
    ],
    [
      "long name",
      { name: "n".repeat(201) },
      envelope("'name' must be at most 200 characters.", "name"),
    ],
    [
      "unknown field (reported first)",
      { color: "red", name: 5 },
      envelope("Unrecognized request argument supplied: color", "color"),
    ],
    [
      "unknown plan field",
      { name: "a", plan: { burst: 3 } },
      envelope(
        "Unrecognized request argument supplied: plan.burst",
        "plan.burst",
      ),
    ],
    [
      "plan value 0",
      { name: "a", plan: { tokens_per_minute: 0 } },
      envelope(
        "'plan.tokens_per_minute' must be an integer between 1 and 1000000000000.",
        "plan.tokens_per_minute",
      ),
    ],
    [
      "plan value fractional",
      { name: "a", plan: { requests_per_minute: 1.5 } },
      envelope(
        "'plan.requests_per_minute' must be an integer between 1 and 1000000.",
        "plan.requests_per_minute",
      ),
    ],
    [
      "max inputs over the API's",
      { name: "a", plan: { max_inputs_per_request: 2049 } },
      envelope(
        "'plan.max_inputs_per_request' must be an integer between 1 and 2048.",
        "plan.max_inputs_per_request",
      ),
    ],
    ["array body", [], envelope("The request body must be a JSON object.")],
    [
      "invalid JSON",
      "{name:",
      envelope(
        "We could not parse the JSON body of your request. The API expects a JSON payload; make sure the body is valid JSON.",
        null,
        "invalid_json",
      ),
    ],
  ])("POST /admin/v1/tenants, %s: 400", async (_label, body, expected) => {
    const res = await post(body);
    expect(res.status).toBe(400);
    expect(res.json).toEqual(expected);
  });

  it("wrong content type: 400; body over 64 KiB: 413", async () => {
    const wrongType = await post(
      { name: "a" },
      { "content-type": "text/plain" },
    );
    expect(wrongType.status).toBe(400);
    expect(wrongType.json.error.code).toBe("invalid_content_type");
    const big = await post({ name: "a", pad: "x".repeat(70_000) });
    expect(big.status).toBe(413);
    expect(big.json).toEqual(
      envelope(
        "Request body too large: the limit is 65536 bytes.",
        null,
        "request_too_large",
      ),
    );
  });

  it("PATCH and key creation validate their bodies", async () => {
    const tenant = (await post({ name: "validated" })).json;
    const cases: [string, string, unknown, ReturnType<typeof envelope>][] = [
      [
        "PATCH",
        `/admin/v1/tenants/${tenant.id}`,
        {},
        envelope("Give at least one of 'name', 'plan', 'status'."),
      ],
      [
        "PATCH",
        `/admin/v1/tenants/${tenant.id}`,
        { status: "deleted" },
        envelope("'status' must be 'active' or 'suspended'.", "status"),
      ],
      [
        "PATCH",
        `/admin/v1/tenants/${tenant.id}`,
        { id: "ten_other" },
        envelope("Unrecognized request argument supplied: id", "id"),
      ],
      [
        "POST",
        `/admin/v1/tenants/${tenant.id}/keys`,
        { scopes: [] },
        envelope("'scopes' must name at least one scope.", "scopes"),
      ],
      [
        "POST",
        `/admin/v1/tenants/${tenant.id}/keys`,
        { scopes: ["embed", "admin"] },
        envelope(
          "Each scope must be one of: embed, index, usage, batch, keys.",
          "scopes[1]",
        ),
      ],
      [
        "POST",
        `/admin/v1/tenants/${tenant.id}/keys`,
        { scopes: "embed" },
        envelope("'scopes' must be an array of scopes.", "scopes"),
      ],
      [
        "POST",
        `/admin/v1/tenants/${tenant.id}/keys`,
        { secret: "mine" },
        envelope("Unrecognized request argument supplied: secret", "secret"),
      ],
    ];
    for (const [method, path, body, expected] of cases) {
      const res = await call(method, path, { body });
      expect([method, path, res.status, res.json]).toEqual([
        method,
        path,
        400,
        expected,
      ]);
    }
    expect((await call("GET", `/admin/v1/tenants/${tenant.id}`)).json).toEqual(
      tenant,
    );
  });
});

describe("404s", () => {
  const noTenant = envelope(
    `No tenant with id '${ABSENT_TENANT}'.`,
    null,
    "tenant_not_found",
  );

  it("an absent tenant on every tenant route", async () => {
    for (const [method, path, body] of ROUTES.slice(1, 7)) {
      const res = await call(method, path, { body });
      expect([method, path, res.status, res.json]).toEqual([
        method,
        path,
        404,
        noTenant,
      ]);
    }
  });

  it("a malformed tenant id, without echoing it", async () => {
    const res = await call("GET", "/admin/v1/tenants/ten_bad%3Akeys");
    expect(res.status).toBe(404);
    expect(res.json).toEqual(
      envelope("No tenant with that id.", null, "tenant_not_found"),
    );
  });

  it("an absent key; a pasted full key is not echoed", async () => {
    expect((await call("DELETE", `/admin/v1/keys/${ABSENT_KEY}`)).json).toEqual(
      envelope(`No API key with id '${ABSENT_KEY}'.`, null, "key_not_found"),
    );
    const pasted = `sk_live_${ABSENT_KEY}_${"s".repeat(32)}`;
    const res = await call("DELETE", `/admin/v1/keys/${pasted}`);
    expect(res.status).toBe(404);
    expect(res.json).toEqual(
      envelope("No API key with that id.", null, "key_not_found"),
    );
  });

  it("an unknown admin route", async () => {
    const res = await call("GET", "/admin/v1/no-such-route");
    expect(res.status).toBe(404);
    expect(res.json).toEqual(
      envelope("Unknown route: GET /admin/v1/no-such-route"),
    );
  });
});

describe("tenant and key lifecycle", () => {
  it("creates, reads, patches a tenant; creates, lists, revokes keys", async () => {
    const created = await call("POST", "/admin/v1/tenants", {
      body: { name: "Acme Corp", plan: { requests_per_minute: 10 } },
    });
    expect(created.status).toBe(201);
    expect(created.headers.get("content-type")).toMatch(/^application\/json/);
    const tenant = created.json;
    expect(tenant).toEqual({
      id: TENANT_ID,
      name: "Acme Corp",
      status: "active",
      plan: { ...DEFAULT_PLAN, requests_per_minute: 10 },
      created_at: ISO,
    });
    expect(created.text).toBe(JSON.stringify(tenant));
    expect(Object.keys(tenant)).toEqual([
      "id",
      "name",
      "status",
      "plan",
      "created_at",
    ]);

    const read = await call("GET", `/admin/v1/tenants/${tenant.id}`);
    expect([read.status, read.json]).toEqual([200, tenant]);

    const patched = await call("PATCH", `/admin/v1/tenants/${tenant.id}`, {
      body: { name: "Acme", plan: { tokens_per_month: 5_000_000 } },
    });
    const expectedPatched = {
      ...tenant,
      name: "Acme",
      plan: { ...tenant.plan, tokens_per_month: 5_000_000 },
    };
    expect([patched.status, patched.json]).toEqual([200, expectedPatched]);
    expect(Object.keys(patched.json)).toEqual([
      "id",
      "name",
      "status",
      "plan",
      "created_at",
    ]);
    const suspended = await call("PATCH", `/admin/v1/tenants/${tenant.id}`, {
      body: { status: "suspended" },
    });
    expect(suspended.json).toEqual({ ...expectedPatched, status: "suspended" });
    expect(
      (
        await call("PATCH", `/admin/v1/tenants/${tenant.id}`, {
          body: { status: "active" },
        })
      ).json.status,
    ).toBe("active");

    const k1 = await call("POST", `/admin/v1/tenants/${tenant.id}/keys`, {
      body: { name: "production" },
    });
    expect(k1.status).toBe(201);
    expect(k1.json).toEqual({
      id: expect.stringMatching(/^[0-9A-Za-z]{16}$/),
      key: expect.stringMatching(/^sk_live_[0-9A-Za-z]{16}_[0-9A-Za-z]{32}$/),
      prefix: `sk_live_${k1.json.id}`,
      scopes: ["embed", "index", "usage", "batch", "keys"],
      created_at: ISO,
    });
    expect(k1.json.key.startsWith(`${k1.json.prefix}_`)).toBe(true);
    const k2 = await call("POST", `/admin/v1/tenants/${tenant.id}/keys`, {
      body: { scopes: ["usage", "embed"] },
    });
    expect(k2.json.scopes).toEqual(["embed", "usage"]);
    secrets.push(k1.json.key, k2.json.key);

    const listed = await call("GET", `/admin/v1/tenants/${tenant.id}/keys`);
    const view = (k: any, name: string | null) => ({
      id: k.id,
      tenant_id: tenant.id,
      name,
      prefix: k.prefix,
      scopes: k.scopes,
      created_at: k.created_at,
      revoked_at: null,
    });
    expect([listed.status, listed.json]).toEqual([
      200,
      {
        object: "list",
        data: [view(k1.json, "production"), view(k2.json, null)],
      },
    ]);
    for (const k of [k1.json, k2.json])
      expect(listed.text).not.toContain(k.key.slice(-32));
    expect(listed.text).not.toMatch(/secret|sha256|[0-9a-f]{64}/);

    const revoked = await call("DELETE", `/admin/v1/keys/${k1.json.id}`);
    expect([revoked.status, revoked.text]).toEqual([204, ""]);
    const afterRevoke = (
      await call("GET", `/admin/v1/tenants/${tenant.id}/keys`)
    ).json.data;
    expect(afterRevoke[0]).toEqual({
      ...view(k1.json, "production"),
      revoked_at: ISO,
    });
    expect(afterRevoke[1]).toEqual(view(k2.json, null));

    const again = await call("DELETE", `/admin/v1/keys/${k1.json.id}`);
    expect([again.status, again.text]).toEqual([204, ""]);
    expect(
      (await call("GET", `/admin/v1/tenants/${tenant.id}/keys`)).json.data[0]
        .revoked_at,
    ).toBe(afterRevoke[0].revoked_at);
  });

  it("a new tenant has no keys", async () => {
    const tenant = (
      await call("POST", "/admin/v1/tenants", { body: { name: "Empty" } })
    ).json;
    expect(
      (await call("GET", `/admin/v1/tenants/${tenant.id}/keys`)).json,
    ).toEqual({ object: "list", data: [] });
  });
});

describe("webhook secrets", () => {
  const WHSEC = /^whsec_[A-Za-z0-9+/]{43}=$/;
  const secretPath = (id: string) => `/admin/v1/tenants/${id}/webhook-secret`;

  it("rotates (secret shown once) and shows metadata only, with the replaced secret's grace period", async () => {
    const tenant = (
      await call("POST", "/admin/v1/tenants", { body: { name: "Hooked" } })
    ).json;
    const none = await call("GET", secretPath(tenant.id));
    expect([none.status, none.json]).toEqual([
      200,
      {
        object: "webhook_secret",
        tenant_id: tenant.id,
        has_secret: false,
        created_at: null,
        previous_expires_at: null,
      },
    ]);

    const first = await call("POST", secretPath(tenant.id), { body: {} });
    expect(first.status).toBe(201);
    expect(first.headers.get("content-type")).toMatch(/^application\/json/);
    expect(first.json).toEqual({
      object: "webhook_secret",
      tenant_id: tenant.id,
      secret: expect.stringMatching(WHSEC),
      created_at: ISO,
      previous_expires_at: null,
    });
    expect(Object.keys(first.json)).toEqual([
      "object",
      "tenant_id",
      "secret",
      "created_at",
      "previous_expires_at",
    ]);
    expect(first.text).toBe(JSON.stringify(first.json));
    expect(() => new Webhook(first.json.secret)).not.toThrow();
    secrets.push(first.json.secret);

    const shown = await call("GET", secretPath(tenant.id));
    expect([shown.status, shown.json]).toEqual([
      200,
      {
        object: "webhook_secret",
        tenant_id: tenant.id,
        has_secret: true,
        created_at: first.json.created_at,
        previous_expires_at: null,
      },
    ]);
    expect(Object.keys(shown.json)).toEqual([
      "object",
      "tenant_id",
      "has_secret",
      "created_at",
      "previous_expires_at",
    ]);
    expect(shown.text).not.toContain("whsec_");

    const second = await call("POST", secretPath(tenant.id), {
      body: { grace_seconds: 3600 },
    });
    expect(second.status).toBe(201);
    expect(second.json).toEqual({
      ...first.json,
      secret: expect.stringMatching(WHSEC),
      created_at: ISO,
      previous_expires_at: ISO,
    });
    expect(second.json.secret).not.toBe(first.json.secret);
    expect(
      Date.parse(second.json.previous_expires_at) -
        Date.parse(second.json.created_at),
    ).toBe(3_600_000);
    secrets.push(second.json.secret);
    const during = await call("GET", secretPath(tenant.id));
    expect(during.json).toEqual({
      object: "webhook_secret",
      tenant_id: tenant.id,
      has_secret: true,
      created_at: second.json.created_at,
      previous_expires_at: second.json.previous_expires_at,
    });
    for (const secret of [first.json.secret, second.json.secret])
      expect(during.text).not.toContain(secret.slice("whsec_".length, 20));

    const defaultGrace = (
      await call("POST", secretPath(tenant.id), { body: {} })
    ).json;
    expect(
      Date.parse(defaultGrace.previous_expires_at) -
        Date.parse(defaultGrace.created_at),
    ).toBe(24 * 3_600_000);
    const revokedAtOnce = await call("POST", secretPath(tenant.id), {
      body: { grace_seconds: 0 },
    });
    expect([
      revokedAtOnce.status,
      revokedAtOnce.json.previous_expires_at,
    ]).toEqual([201, null]);
    secrets.push(defaultGrace.secret, revokedAtOnce.json.secret);
    expect((await call("GET", secretPath(tenant.id))).json).toEqual({
      object: "webhook_secret",
      tenant_id: tenant.id,
      has_secret: true,
      created_at: revokedAtOnce.json.created_at,
      previous_expires_at: null,
    });
  });

  it("validates the body", async () => {
    const tenant = (
      await call("POST", "/admin/v1/tenants", {
        body: { name: "Hook validation" },
      })
    ).json;
    const range = envelope(
      "'grace_seconds' must be an integer between 0 and 604800.",
      "grace_seconds",
    );
    const cases: [unknown, ReturnType<typeof envelope>][] = [
      [{ grace_seconds: -1 }, range],
      [{ grace_seconds: 604_801 }, range],
      [{ grace_seconds: 1.5 }, range],
      [{ grace_seconds: "60" }, range],
      [{ grace_seconds: null }, range],
      [
        { secret: "whsec_mine" },
        envelope("Unrecognized request argument supplied: secret", "secret"),
      ],
      [[], envelope("The request body must be a JSON object.")],
    ];
    for (const [body, expected] of cases) {
      const res = await call("POST", secretPath(tenant.id), { body });
      expect([body, res.status, res.json]).toEqual([body, 400, expected]);
    }
    expect((await call("GET", secretPath(tenant.id))).json.has_secret).toBe(
      false,
    );
    expect(
      (
        await call("POST", secretPath(tenant.id), {
          body: { grace_seconds: 604_800 },
        })
      ).status,
    ).toBe(201);
  });

  it("a malformed tenant id: 404 without echoing it", async () => {
    for (const method of ["GET", "POST"]) {
      const res = await call(
        method,
        secretPath("ten_bad%3Akeys"),
        method === "POST" ? { body: {} } : {},
      );
      expect([method, res.status, res.json]).toEqual([
        method,
        404,
        envelope("No tenant with that id.", null, "tenant_not_found"),
      ]);
    }
  });
});

describe("the rest", () => {
  it("documents every admin route in /openapi.json", async () => {
    const doc = (await call("GET", "/openapi.json", { token: null })).json;
    expect(doc.paths["/admin/v1/tenants"].post.responses["201"]).toBeDefined();
    expect(Object.keys(doc.paths["/admin/v1/tenants/{id}"]).sort()).toEqual([
      "get",
      "patch",
    ]);
    expect(
      Object.keys(doc.paths["/admin/v1/tenants/{id}/keys"]).sort(),
    ).toEqual(["get", "post"]);
    expect(Object.keys(doc.paths["/admin/v1/keys/{keyId}"])).toEqual([
      "delete",
    ]);
    expect(
      Object.keys(doc.paths["/admin/v1/tenants/{id}/webhook-secret"]).sort(),
    ).toEqual(["get", "post"]);
    expect(
      doc.paths["/admin/v1/tenants/{id}/webhook-secret"].post.responses["201"]
        .content["application/json"].schema,
    ).toEqual({ $ref: "#/components/schemas/RotatedWebhookSecret" });
    expect(
      doc.components.schemas.WebhookSecretInfo.properties,
    ).not.toHaveProperty("secret");
    expect(doc.components.securitySchemes.adminToken).toEqual({
      type: "http",
      scheme: "bearer",
      description: "ADMIN_TOKEN",
    });
    expect(Object.keys(doc.components.schemas)).toEqual(
      expect.arrayContaining([
        "Tenant",
        "Plan",
        "PlanPatch",
        "CreateTenantRequest",
        "PatchTenantRequest",
        "CreateKeyRequest",
        "CreatedApiKey",
        "ApiKey",
        "ApiKeyList",
        "RotateWebhookSecretRequest",
        "RotatedWebhookSecret",
        "WebhookSecretInfo",
      ]),
    );
  });

  it("answers 503 (not 500) when Redis is unreachable", async () => {
    const down = await startEdge({
      gpuUrls: GPU_URLS,
      stack,
      adminToken: null,
      vars: {
        UPSTASH_REDIS_REST_URL: `http://127.0.0.1:${await freePort()}`,
        UPSTASH_REDIS_REST_TOKEN: BRIDGE_TOKEN,
        ADMIN_TOKEN,
      },
    });
    try {
      const res = await call(
        "POST",
        "/admin/v1/tenants",
        { body: { name: "x" } },
        down,
      );
      expect(res.status).toBe(503);
      expect(res.json).toEqual(
        envelope(
          "The tenancy store is temporarily unavailable. Retry shortly.",
          null,
          "tenancy_unavailable",
          "server_error",
        ),
      );
      expect(res.headers.get("retry-after")).toBe("1");
      await new Promise((r) => setTimeout(r, 100));
      expect(
        down.logs.some(
          (l) =>
            l.includes('"event":"tenancy_redis_error"') &&
            l.includes('"operation":"create_tenant"'),
        ),
      ).toBe(true);
    } finally {
      await down.dispose();
    }
  });

  it("never logs the admin token or a key", async () => {
    await new Promise((r) => setTimeout(r, 100));
    expect(secrets.length).toBeGreaterThan(1);
    for (const secret of secrets)
      expect(edge.logs.join("\n")).not.toContain(secret);
  });
});
