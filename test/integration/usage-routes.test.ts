/**
 * `GET /v1/usage` and `GET /admin/v1/tenants/:id/usage` through workerd, reading a real
 * redis-server behind the Upstash REST bridge. Usage is seeded with applyUsageEvent,
 * the same write the request path makes, under two tenants created through the admin
 * API.
 */
import { Redis } from "@upstash/redis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startEdge, type TestEdge } from "../support/edge";
import {
  BRIDGE_TOKEN,
  startCacheStack,
  type CacheStack,
} from "../support/cache-stack";
import { applyUsageEvent } from "../../workers/metering/usage-store";
import { newUsageEvent } from "../../workers/metering/usage-event";

const ADMIN_TOKEN = "admin-token-for-usage-tests-0123456789";

let stack: CacheStack;
let edge: TestEdge;
let redis: Redis;
let A: string;
let B: string;
let TEST_API_KEY: string;
let OTHER_KEY: string;

beforeAll(async () => {
  stack = await startCacheStack();
  edge = await startEdge({
    gpuUrls: ["http://127.0.0.1:9"], // never called: usage needs no GPU
    stack,
    vars: {
      ADMIN_TOKEN,
      GPU_PRICE_USD_PER_SECOND: "0.0005",
      GPU_TOKENS_PER_SECOND: "10000",
    },
  });
  ({ tenantId: A, apiKey: TEST_API_KEY } = edge.tenant);
  ({ tenantId: B, apiKey: OTHER_KEY } = await edge.newTenant({
    name: "other",
  }));
  redis = new Redis({
    url: stack.bridge.url,
    token: BRIDGE_TOKEN,
    retry: false,
  });
  const seed = (
    tenantId: string,
    at: string,
    tokensComputed: number,
    tokensCached: number,
    gpuMs: number,
    inputs = 1,
  ) =>
    applyUsageEvent(
      redis,
      newUsageEvent(
        { tenantId, inputs, tokensComputed, tokensCached, gpuMs },
        new Date(at),
      ),
    );
  await seed(A, "2025-01-01T00:00:00Z", 1_000, 0, 120, 4);
  await seed(A, "2025-01-01T23:59:59Z", 0, 1_000, 0, 4);
  await seed(A, "2025-01-03T12:00:00Z", 250_000, 50_000, 4_000, 2);
  await seed(B, "2025-01-02T08:00:00Z", 777, 0, 9);
});
afterAll(async () => {
  await edge?.dispose();
  await stack?.close();
});

const get = (path: string, token?: string) =>
  edge.fetch(
    path,
    token === undefined
      ? {}
      : { headers: { authorization: `Bearer ${token}` } },
  );

const NO_BATCH = {
  requests: 0,
  inputs: 0,
  tokens_computed: 0,
  tokens_cached: 0,
  gpu_ms: 0,
  estimated_cost_usd: 0,
  estimated_savings_usd: 0,
}; // no Batch API usage
const empty = {
  requests: 0,
  inputs: 0,
  tokens_computed: 0,
  tokens_cached: 0,
  gpu_ms: 0,
  estimated_cost_usd: 0,
  estimated_savings_usd: 0,
  batch: NO_BATCH,
};
const REPORT_A = {
  object: "list",
  data: [
    {
      date: "2025-01-01",
      requests: 2,
      inputs: 8,
      tokens_computed: 1_000,
      tokens_cached: 1_000,
      gpu_ms: 120,
      estimated_cost_usd: 0.00006,
      estimated_savings_usd: 0.00005,
      batch: NO_BATCH,
    },
    { date: "2025-01-02", ...empty },
    {
      date: "2025-01-03",
      requests: 1,
      inputs: 2,
      tokens_computed: 250_000,
      tokens_cached: 50_000,
      gpu_ms: 4_000,
      estimated_cost_usd: 0.002,
      estimated_savings_usd: 0.0025,
      batch: NO_BATCH,
    },
  ],
  totals: {
    requests: 3,
    inputs: 10,
    tokens_computed: 251_000,
    tokens_cached: 51_000,
    gpu_ms: 4_120,
    estimated_cost_usd: 0.00206,
    estimated_savings_usd: 0.00255,
    batch: NO_BATCH,
  },
};
const REPORT_B = {
  object: "list",
  data: [
    { date: "2025-01-01", ...empty },
    {
      date: "2025-01-02",
      requests: 1,
      inputs: 1,
      tokens_computed: 777,
      tokens_cached: 0,
      gpu_ms: 9,
      estimated_cost_usd: 0.0000045,
      estimated_savings_usd: 0,
      batch: NO_BATCH,
    },
    { date: "2025-01-03", ...empty },
  ],
  totals: {
    requests: 1,
    inputs: 1,
    tokens_computed: 777,
    tokens_cached: 0,
    gpu_ms: 9,
    estimated_cost_usd: 0.0000045,
    estimated_savings_usd: 0,
    batch: NO_BATCH,
  },
};

async function expectJson(
  res: Response,
  status: number,
  body: unknown,
): Promise<void> {
  expect({
    status: res.status,
    type: res.headers.get("content-type"),
    body: await res.json(),
  }).toEqual({
    status,
    type: expect.stringMatching(/^application\/json/),
    body,
  });
}

const envelope = (
  message: string,
  param: string | null,
  code: string | null,
  type = "invalid_request_error",
) => ({ error: { message, type, param, code } });
const MISSING_KEY =
  "You didn't provide an API key. You need to provide your API key in an Authorization header using Bearer auth (i.e. Authorization: Bearer YOUR_KEY).";
const BAD_KEY =
  "Incorrect API key provided. Check the key you are using, or ask your administrator for a new one.";
const BAD_ADMIN = envelope(
  "Invalid or missing admin token.",
  null,
  "invalid_admin_token",
);

describe("GET /v1/usage", () => {
  it("shows the caller's own days, zeros included, with cost and savings", async () => {
    const res = await get(
      "/v1/usage?from=2025-01-01&to=2025-01-03",
      TEST_API_KEY,
    );
    expect(res.headers.get("x-request-id")).toMatch(/^req_/);
    await expectJson(res, 200, REPORT_A);
  });

  it("never shows another tenant's usage, whatever the query says", async () => {
    await expectJson(
      await get("/v1/usage?from=2025-01-01&to=2025-01-03", OTHER_KEY),
      200,
      REPORT_B,
    );
    await expectJson(
      await get(
        `/v1/usage?from=2025-01-01&to=2025-01-03&tenant_id=${A}&id=${A}`,
        OTHER_KEY,
      ),
      200,
      REPORT_B,
    );
  });

  it("defaults to month to date", async () => {
    const before = new Date().toISOString().slice(0, 10);
    const res = await get("/v1/usage", TEST_API_KEY);
    const after = new Date().toISOString().slice(0, 10);
    expect(res.status).toBe(200);
    const { data } = (await res.json()) as { data: { date: string }[] };
    const today = data.at(-1)!.date;
    expect([before, after]).toContain(today);
    expect(data[0]!.date).toBe(`${today.slice(0, 8)}01`);
    expect(data).toHaveLength(Number(today.slice(8)));
  });

  it.each([
    [
      "/v1/usage?from=2025-02-30&to=2025-03-01",
      envelope(
        "Invalid 'from': expected a UTC date written YYYY-MM-DD, e.g. 2025-01-31.",
        "from",
        "invalid_date",
      ),
    ],
    [
      "/v1/usage?from=2025-01-01&to=soon",
      envelope(
        "Invalid 'to': expected a UTC date written YYYY-MM-DD, e.g. 2025-01-31.",
        "to",
        "invalid_date",
      ),
    ],
    [
      "/v1/usage?from=&to=2025-01-01",
      envelope(
        "Invalid 'from': expected a UTC date written YYYY-MM-DD, e.g. 2025-01-31.",
        "from",
        "invalid_date",
      ),
    ],
    [
      "/v1/usage?from=2025-01-02&to=2025-01-01",
      envelope(
        "'from' (2025-01-02) is after 'to' (2025-01-01).",
        "from",
        "invalid_date_range",
      ),
    ],
    [
      "/v1/usage?from=2024-01-01&to=2025-01-01",
      envelope(
        "The range 2024-01-01 to 2025-01-01 spans 367 days; at most 366 can be read at once.",
        "from",
        "invalid_date_range",
      ),
    ],
  ])("400 for %s", async (path, body) => {
    await expectJson(await get(path, TEST_API_KEY), 400, body);
  });

  it("401 without a key, with a malformed header, an unknown key or the admin token", async () => {
    const path = "/v1/usage?from=2025-01-01&to=2025-01-03";
    await expectJson(await get(path), 401, envelope(MISSING_KEY, null, null));
    await expectJson(
      await edge.fetch(path, {
        headers: { authorization: `Basic ${TEST_API_KEY}` },
      }),
      401,
      envelope(BAD_KEY, null, "invalid_api_key"),
    );
    await expectJson(
      await get(path, "sk_test_not_a_known_key_00000000"),
      401,
      envelope(BAD_KEY, null, "invalid_api_key"),
    );
    await expectJson(
      await get(path, ADMIN_TOKEN),
      401,
      envelope(BAD_KEY, null, "invalid_api_key"),
    );
    // Authentication comes before validation: a bad query from a stranger is still a 401.
    await expectJson(
      await get("/v1/usage?from=nope"),
      401,
      envelope(MISSING_KEY, null, null),
    );
  });
});

describe("GET /admin/v1/tenants/:id/usage", () => {
  it("shows any tenant's usage, the same report the tenant sees", async () => {
    await expectJson(
      await get(
        `/admin/v1/tenants/${A}/usage?from=2025-01-01&to=2025-01-03`,
        ADMIN_TOKEN,
      ),
      200,
      REPORT_A,
    );
    await expectJson(
      await get(
        `/admin/v1/tenants/${B}/usage?from=2025-01-01&to=2025-01-03`,
        ADMIN_TOKEN,
      ),
      200,
      REPORT_B,
    );
  });

  it("reads a tenant without usage as zeros", async () => {
    const { tenantId } = await edge.newTenant({ name: "never used" });
    await expectJson(
      await get(
        `/admin/v1/tenants/${tenantId}/usage?from=2025-01-01&to=2025-01-01`,
        ADMIN_TOKEN,
      ),
      200,
      {
        object: "list",
        data: [{ date: "2025-01-01", ...empty }],
        totals: empty,
      },
    );
  });

  it("401 without the admin token, with a wrong one or with an API key", async () => {
    const path = `/admin/v1/tenants/${A}/usage?from=2025-01-01&to=2025-01-03`;
    await expectJson(await get(path), 401, BAD_ADMIN);
    await expectJson(await get(path, `${ADMIN_TOKEN}x`), 401, BAD_ADMIN);
    await expectJson(await get(path, TEST_API_KEY), 401, BAD_ADMIN);
  });

  it("400 for bad dates", async () => {
    await expectJson(
      await get(
        `/admin/v1/tenants/${A}/usage?from=2025-01-05&to=2025-01-03`,
        ADMIN_TOKEN,
      ),
      400,
      envelope(
        "'from' (2025-01-05) is after 'to' (2025-01-03).",
        "from",
        "invalid_date_range",
      ),
    );
  });

  // Was 400 for `a:b` and 200 with zeros for `ten_never_used` (metering had its own,
  // looser tenant-id rule); the admin docs promise 404 for both, like every admin path.
  it("404 for a tenant id that cannot exist, or that names no tenant", async () => {
    const noSuchTenant = envelope(
      "No tenant with that id.",
      null,
      "tenant_not_found",
    );
    await expectJson(
      await get("/admin/v1/tenants/a:b/usage", ADMIN_TOKEN),
      404,
      noSuchTenant,
    );
    await expectJson(
      await get("/admin/v1/tenants/ten_never_used/usage", ADMIN_TOKEN),
      404,
      noSuchTenant,
    );
    await expectJson(
      await get(
        "/admin/v1/tenants/ten_0000000000000000/usage?from=2025-01-01&to=2025-01-01",
        ADMIN_TOKEN,
      ),
      404,
      envelope(
        "No tenant with id 'ten_0000000000000000'.",
        null,
        "tenant_not_found",
      ),
    );
  });
});

describe("both routes", () => {
  it("are in the OpenAPI document", async () => {
    const doc = (await (await edge.fetch("/openapi.json")).json()) as {
      paths: Record<
        string,
        { get?: { parameters?: { name: string; in: string }[] } }
      >;
    };
    expect(
      doc.paths["/v1/usage"]?.get?.parameters?.map((p) => `${p.in}:${p.name}`),
    ).toEqual(["query:from", "query:to"]);
    expect(
      doc.paths["/admin/v1/tenants/{id}/usage"]?.get?.parameters?.map(
        (p) => `${p.in}:${p.name}`,
      ),
    ).toEqual(["path:id", "query:from", "query:to"]);
  });

  it("answer 503 with Retry-After in the envelope, not a bug report, while Redis is down", async () => {
    await stack.redis.stop();
    try {
      const res = await get(
        "/v1/usage?from=2025-01-01&to=2025-01-03",
        TEST_API_KEY,
      );
      const id = res.headers.get("x-request-id");
      expect(res.headers.get("retry-after")).toBe("1");
      await expectJson(
        res,
        503,
        envelope(
          `Usage is temporarily unavailable; try again shortly. Request id ${id}.`,
          null,
          "usage_unavailable",
          "server_error",
        ),
      );
    } finally {
      await stack.redis.restart();
    }
  });

  it("log no API key and no admin token", () => {
    const all = edge.logs.join("\n");
    expect(edge.logs.length).toBeGreaterThan(0); // the outage above was logged
    for (const secret of [TEST_API_KEY, OTHER_KEY, ADMIN_TOKEN, BRIDGE_TOKEN])
      expect(all).not.toContain(secret);
  });
});
