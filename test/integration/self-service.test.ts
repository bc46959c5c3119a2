/**
 * The tenant self-service API (`/v1/keys`, `/v1/webhook-secret`, `/v1/account`) and the
 * operator's tenant list (`GET /admin/v1/tenants`) through workerd, with tenancy and
 * usage in a real redis-server behind the Upstash REST bridge. Exact envelopes; keys
 * and their scopes, the secret shown once, revocation seen by the next requests,
 * isolation between tenants, and month-to-date figures checked against sums worked
 * out here from the usage events the test itself writes.
 */
import { Redis } from "@upstash/redis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startEdge, type TestEdge, type TestTenant } from "../support/edge";
import {
  BRIDGE_TOKEN,
  startCacheStack,
  type CacheStack,
} from "../support/cache-stack";
import { applyUsageEvent } from "../../workers/metering/usage-store";
import { newUsageEvent } from "../../workers/metering/usage-event";

const ADMIN_TOKEN = "admin-token-for-self-service-0123456789";
const ISO = expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
const KEY_ID = expect.stringMatching(/^[0-9A-Za-z]{16}$/);
const ALL_SCOPES = ["embed", "index", "usage", "batch", "keys"];
const DEFAULT_PLAN = {
  requests_per_minute: 600,
  tokens_per_minute: 1_000_000,
  tokens_per_month: 100_000_000,
  max_inputs_per_request: 2048,
};

let stack: CacheStack;
let edge: TestEdge;
let redis: Redis;
const secrets: string[] = [];

beforeAll(async () => {
  stack = await startCacheStack();
  // No request here reaches a GPU worker; configuration still requires one URL.
  edge = await startEdge({
    gpuUrls: ["http://127.0.0.1:9"],
    stack,
    vars: { ADMIN_TOKEN },
  });
  redis = new Redis({
    url: stack.bridge.url,
    token: BRIDGE_TOKEN,
    retry: false,
  });
});
afterAll(async () => {
  await edge?.dispose();
  await stack?.close();
});

interface Answer {
  status: number;
  text: string;
  json: any;
}

async function call(
  method: string,
  path: string,
  token: string,
  body?: unknown,
  contentType = "application/json",
): Promise<Answer> {
  const res = await edge.fetch(path, {
    method,
    headers: {
      authorization: `Bearer ${token}`,
      ...(body === undefined ? {} : { "content-type": contentType }),
    },
    ...(body === undefined
      ? {}
      : { body: typeof body === "string" ? body : JSON.stringify(body) }),
  });
  const text = await res.text();
  return {
    status: res.status,
    text,
    json: text ? JSON.parse(text) : undefined,
  };
}

const envelope = (
  message: string,
  param: string | null = null,
  code: string | null = null,
) => ({
  error: { message, type: "invalid_request_error", param, code },
});
const BAD_KEY = envelope(
  "Incorrect API key provided. Check the key you are using, or ask your administrator for a new one.",
  null,
  "invalid_api_key",
);

/** `sk_live_{id}_{secret}` -> `sk_live_{id}`: the key without its last `_` part. */
const prefixOf = (key: string) => key.slice(0, key.lastIndexOf("_"));

async function tenantWith(scopes?: string[]): Promise<TestTenant> {
  const tenant = await edge.newTenant(
    scopes === undefined ? {} : { scopes: scopes as never },
  );
  secrets.push(tenant.apiKey);
  return tenant;
}

/**
 * Waits for `status` on `/v1/keys` with `key` (the key resolver's cache holds a record up
 * to TENANT_CACHE_TTL_MS).
 */
async function secondsUntil(status: number, key: string): Promise<number> {
  const started = Date.now();
  for (;;) {
    const res = await call("GET", "/v1/keys", key);
    if (res.status === status) return (Date.now() - started) / 1000;
    if (Date.now() - started > 10_000)
      throw new Error(`still not ${status} after 10 s`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe("/v1/keys", () => {
  it("lists the tenant's own keys, never a secret or a hash", async () => {
    const t = await tenantWith();
    const listed = await call("GET", "/v1/keys", t.apiKey);
    expect(listed.status).toBe(200);
    expect(listed.json).toEqual({
      object: "list",
      data: [
        {
          object: "api_key",
          id: t.keyId,
          name: null,
          prefix: prefixOf(t.apiKey),
          scopes: ALL_SCOPES,
          status: "active",
          created_at: ISO,
          revoked_at: null,
        },
      ],
    });
    expect(listed.text).not.toContain(t.apiKey.slice(-32));
    expect(listed.text).not.toMatch(/sha256|[0-9a-f]{64}/);
  });

  it("creates a key with a subset of the creator's scopes, shows its secret once, and the key works within them", async () => {
    const t = await tenantWith(["usage", "keys", "embed"]);
    const created = await call("POST", "/v1/keys", t.apiKey, {
      name: "reporting",
      scopes: ["usage", "keys"],
    });
    expect(created.status).toBe(201);
    expect(created.json).toEqual({
      object: "api_key",
      id: KEY_ID,
      name: "reporting",
      prefix: `sk_live_${created.json.id}`,
      scopes: ["usage", "keys"],
      status: "active",
      created_at: ISO,
      revoked_at: null,
      key: expect.stringMatching(/^sk_live_[0-9A-Za-z]{16}_[0-9A-Za-z]{32}$/),
    });
    const key: string = created.json.key;
    secrets.push(key);
    expect(prefixOf(key)).toBe(created.json.prefix);

    // Never again: not in the tenant's listing, not in the operator's.
    const listed = await call("GET", "/v1/keys", t.apiKey);
    const { key: _secret, ...shown } = created.json;
    expect(listed.json.data).toEqual([
      expect.objectContaining({ id: t.keyId }),
      shown,
    ]);
    const adminListed = await call(
      "GET",
      `/admin/v1/tenants/${t.tenantId}/keys`,
      ADMIN_TOKEN,
    );
    for (const text of [listed.text, adminListed.text])
      expect(text).not.toContain(key.slice(-32));

    // The new key has what it was given, and nothing else.
    expect((await call("GET", "/v1/usage", key)).status).toBe(200);
    expect(await call("GET", "/v1/models", key)).toEqual(
      expect.objectContaining({
        status: 403,
        json: envelope(
          "This API key does not have the 'embed' scope.",
          null,
          "insufficient_permissions",
        ),
      }),
    );
    // Its own listing is the same tenant's.
    expect((await call("GET", "/v1/keys", key)).json).toEqual(listed.json);
  });

  it("defaults a new key's scopes to the creator's", async () => {
    const t = await tenantWith(["keys", "index"]);
    const created = await call("POST", "/v1/keys", t.apiKey, {});
    expect([created.status, created.json.scopes, created.json.name]).toEqual([
      201,
      ["index", "keys"],
      null,
    ]);
    secrets.push(created.json.key);
  });

  it("refuses to grant a scope the creator lacks (403 naming scopes), and writes nothing", async () => {
    const t = await tenantWith(["usage", "keys"]);
    const refused = await call("POST", "/v1/keys", t.apiKey, {
      scopes: ["usage", "embed", "batch"],
    });
    expect([refused.status, refused.json]).toEqual([
      403,
      envelope(
        "A key cannot grant scopes it does not have itself: 'embed', 'batch'.",
        "scopes",
        "insufficient_permissions",
      ),
    ]);
    expect((await call("GET", "/v1/keys", t.apiKey)).json.data).toHaveLength(1);
  });

  it("validates the body like the admin API", async () => {
    const t = await tenantWith();
    const cases: [unknown, unknown][] = [
      [
        { scopes: ["embed", "admin"] },
        envelope(
          "Each scope must be one of: embed, index, usage, batch, keys.",
          "scopes[1]",
        ),
      ],
      [
        { scopes: [] },
        envelope("'scopes' must name at least one scope.", "scopes"),
      ],
      [{ name: "  " }, envelope("'name' cannot be empty.", "name")],
      [
        { name: "x", tenant_id: "ten_0000000000000000" },
        envelope(
          "Unrecognized request argument supplied: tenant_id",
          "tenant_id",
        ),
      ],
      ["[]", envelope("The request body must be a JSON object.")],
      [
        "{",
        envelope(
          "We could not parse the JSON body of your request. The API expects a JSON payload; make sure the body is valid JSON.",
          null,
          "invalid_json",
        ),
      ],
    ];
    for (const [body, expected] of cases) {
      const res = await call("POST", "/v1/keys", t.apiKey, body);
      expect([res.status, res.json]).toEqual([400, expected]);
    }
    const plain = await call("POST", "/v1/keys", t.apiKey, "{}", "text/plain");
    expect([plain.status, plain.json]).toEqual([
      400,
      envelope(
        "Invalid content type 'text/plain': the request body must be JSON with 'Content-Type: application/json'.",
        null,
        "invalid_content_type",
      ),
    ]);
    expect((await call("GET", "/v1/keys", t.apiKey)).json.data).toHaveLength(1);
  });

  it("revokes a key: the answer shows it revoked, the key gets 401 within 5 s, a second revoke keeps the first time", async () => {
    const t = await tenantWith();
    const created = (
      await call("POST", "/v1/keys", t.apiKey, { name: "short-lived" })
    ).json;
    secrets.push(created.key);
    expect((await call("GET", "/v1/keys", created.key)).status).toBe(200); // now in the isolate's cache

    const revoked = await call("DELETE", `/v1/keys/${created.id}`, t.apiKey);
    const { key: _secret, ...shown } = created;
    expect([revoked.status, revoked.json]).toEqual([
      200,
      { ...shown, status: "revoked", revoked_at: ISO },
    ]);
    expect(await secondsUntil(401, created.key)).toBeLessThanOrEqual(5);
    expect((await call("GET", "/v1/keys", created.key)).json).toEqual(BAD_KEY);

    const again = await call("DELETE", `/v1/keys/${created.id}`, t.apiKey);
    expect([again.status, again.json]).toEqual([200, revoked.json]);
    // The creator is untouched and lists the revoked key as such.
    const listed = await call("GET", "/v1/keys", t.apiKey);
    expect(
      listed.json.data.map((k: { id: string; status: string }) => [
        k.id,
        k.status,
      ]),
    ).toEqual([
      [t.keyId, "active"],
      [created.id, "revoked"],
    ]);
  });

  it("a key can revoke itself", async () => {
    const t = await tenantWith();
    expect(
      (await call("DELETE", `/v1/keys/${t.keyId}`, t.apiKey)).json.status,
    ).toBe("revoked");
    expect(await secondsUntil(401, t.apiKey)).toBeLessThanOrEqual(5);
  });

  it("keeps tenants apart: another tenant's keys are neither listed nor revocable (404)", async () => {
    const a = await tenantWith();
    const b = await tenantWith();
    const listedByB = await call("GET", "/v1/keys", b.apiKey);
    expect(listedByB.json.data.map((k: { id: string }) => k.id)).toEqual([
      b.keyId,
    ]);
    expect(listedByB.text).not.toContain(a.keyId);

    const cross = await call("DELETE", `/v1/keys/${a.keyId}`, b.apiKey);
    expect([cross.status, cross.json]).toEqual([
      404,
      envelope(`No API key with id '${a.keyId}'.`, "id", "key_not_found"),
    ]);
    const malformed = await call("DELETE", `/v1/keys/${a.apiKey}`, b.apiKey);
    expect([malformed.status, malformed.json]).toEqual([
      404,
      envelope("No API key with that id.", "id", "key_not_found"),
    ]);
    expect(malformed.text).not.toContain(a.apiKey);
    // A's key was not touched.
    expect((await call("GET", "/v1/keys", a.apiKey)).json.data[0]).toEqual(
      expect.objectContaining({
        id: a.keyId,
        status: "active",
        revoked_at: null,
      }),
    );
  });

  it("refuses an 101st active key, and counts revoked ones out", async () => {
    const t = await tenantWith(["keys"]);
    for (let i = 1; i < 100; i++)
      expect((await call("POST", "/v1/keys", t.apiKey, {})).status).toBe(201);
    const refused = await call("POST", "/v1/keys", t.apiKey, {});
    expect([refused.status, refused.json]).toEqual([
      400,
      envelope(
        "This tenant already has 100 active API keys; revoke one first.",
        null,
        "too_many_keys",
      ),
    ]);
    const someone = (await call("GET", "/v1/keys", t.apiKey)).json.data[1].id;
    expect((await call("DELETE", `/v1/keys/${someone}`, t.apiKey)).status).toBe(
      200,
    );
    expect((await call("POST", "/v1/keys", t.apiKey, {})).status).toBe(201);
  });
});

describe("/v1/webhook-secret", () => {
  it("shows no secret at first, rotates (secret once), then shows when, as the admin API does", async () => {
    const t = await tenantWith();
    const none = await call("GET", "/v1/webhook-secret", t.apiKey);
    expect([none.status, none.json]).toEqual([
      200,
      {
        object: "webhook_secret",
        tenant_id: t.tenantId,
        has_secret: false,
        created_at: null,
        previous_expires_at: null,
      },
    ]);

    const first = await call("POST", "/v1/webhook-secret/rotate", t.apiKey, {});
    expect([first.status, first.json]).toEqual([
      201,
      {
        object: "webhook_secret",
        tenant_id: t.tenantId,
        secret: expect.stringMatching(/^whsec_[A-Za-z0-9+/]{43}=$/),
        created_at: ISO,
        previous_expires_at: null,
      },
    ]);
    secrets.push(first.json.secret);
    const shown = await call("GET", "/v1/webhook-secret", t.apiKey);
    expect(shown.json).toEqual({
      object: "webhook_secret",
      tenant_id: t.tenantId,
      has_secret: true,
      created_at: first.json.created_at,
      previous_expires_at: null,
    });
    expect(shown.text).not.toContain(first.json.secret.slice(6));
    expect(
      (
        await call(
          "GET",
          `/admin/v1/tenants/${t.tenantId}/webhook-secret`,
          ADMIN_TOKEN,
        )
      ).json,
    ).toEqual(shown.json);

    // The default grace keeps the replaced secret for 24 h; 3600 s when asked.
    const second = await call("POST", "/v1/webhook-secret/rotate", t.apiKey, {
      grace_seconds: 3600,
    });
    secrets.push(second.json.secret);
    expect(second.json.secret).not.toBe(first.json.secret);
    const graceEnd = new Date(
      Date.parse(second.json.created_at) + 3600_000,
    ).toISOString();
    expect(second.json.previous_expires_at).toBe(graceEnd);
    expect(
      (await call("GET", "/v1/webhook-secret", t.apiKey)).json
        .previous_expires_at,
    ).toBe(graceEnd);

    const bad = await call("POST", "/v1/webhook-secret/rotate", t.apiKey, {
      grace_seconds: -1,
    });
    expect([bad.status, bad.json]).toEqual([
      400,
      envelope(
        "'grace_seconds' must be an integer between 0 and 604800.",
        "grace_seconds",
      ),
    ]);
  });

  it("answers each tenant about its own secret only", async () => {
    const a = await tenantWith();
    const b = await tenantWith();
    secrets.push(
      (await call("POST", "/v1/webhook-secret/rotate", a.apiKey, {})).json
        .secret,
    );
    expect((await call("GET", "/v1/webhook-secret", b.apiKey)).json).toEqual({
      object: "webhook_secret",
      tenant_id: b.tenantId,
      has_secret: false,
      created_at: null,
      previous_expires_at: null,
    });
  });
});

/** Today and the 1st of this month, UTC, and a day of the previous month. */
function calendar() {
  const now = new Date();
  const today = now.toISOString().slice(0, 10);
  const first = `${today.slice(0, 8)}01`;
  const lastMonth = new Date(
    Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), 0),
  )
    .toISOString()
    .slice(0, 10);
  const nextMonthStart = new Date(
    Date.UTC(now.getUTCFullYear(), now.getUTCMonth() + 1, 1),
  ).toISOString();
  return { today, first, lastMonth, month: today.slice(0, 7), nextMonthStart };
}

/** Tokens this file's usage events put in this month, per tenant: the month-to-date oracle. */
const seededThisMonth = new Map<string, number>();

async function seed(
  tenantId: string,
  day: string,
  computed: number,
  cached: number,
  gpuMs: number,
  inputs: number,
) {
  if (day.startsWith(calendar().month))
    seededThisMonth.set(
      tenantId,
      (seededThisMonth.get(tenantId) ?? 0) + computed + cached,
    );
  await applyUsageEvent(
    redis,
    newUsageEvent(
      {
        tenantId,
        inputs,
        tokensComputed: computed,
        tokensCached: cached,
        gpuMs,
      },
      new Date(`${day}T12:00:00Z`),
    ),
  );
}

describe("GET /v1/account", () => {
  it("shows the plan and the month so far against the quota", async () => {
    const { today, first, lastMonth, month, nextMonthStart } = calendar();
    const t = await edge.newTenant({ plan: { tokens_per_month: 50_000 } });
    secrets.push(t.apiKey);
    await seed(t.tenantId, first, 1_200, 300, 40, 3);
    await seed(t.tenantId, today, 5_000, 2_500, 70, 5); // the 1st too, on the 1st of a month
    await seed(t.tenantId, lastMonth, 99_999, 99_999, 999, 9); // not this month
    // Sums of the two events of this month, worked out by hand.
    const mtd = {
      month,
      from: first,
      to: today,
      requests: 2,
      inputs: 8,
      tokens_computed: 6_200,
      tokens_cached: 2_800,
      tokens: 9_000,
      gpu_ms: 110,
    };

    const account = await call("GET", "/v1/account", t.apiKey);
    const expected = {
      object: "account",
      tenant_id: t.tenantId,
      name: "test tenant",
      status: "active",
      plan: { ...DEFAULT_PLAN, tokens_per_month: 50_000 },
      key: { id: t.keyId, scopes: ALL_SCOPES },
      month_to_date: mtd,
      quota: {
        tokens_per_month: 50_000,
        tokens_used: 9_000,
        tokens_charged: 0,
        tokens_remaining: 41_000,
        resets_at: nextMonthStart,
      },
    };
    expect([account.status, account.json]).toEqual([200, expected]);
    // Equal to what /v1/usage reports for the same days.
    const usage = (await call("GET", "/v1/usage", t.apiKey)).json.totals;
    expect([
      usage.requests,
      usage.inputs,
      usage.tokens_computed,
      usage.tokens_cached,
      usage.gpu_ms,
    ]).toEqual([2, 8, 6_200, 2_800, 110]);

    // The quota counter admission decides on (limits/monthly-quota.ts), ahead of metered tokens.
    await redis.set(`limits:monthly-tokens:${t.tenantId}:${month}`, 12_345);
    const charged = await call("GET", "/v1/account", t.apiKey);
    expect(charged.json.quota).toEqual({
      tokens_per_month: 50_000,
      tokens_used: 9_000,
      tokens_charged: 12_345,
      tokens_remaining: 37_655,
      resets_at: nextMonthStart,
    });
    await redis.set(`limits:monthly-tokens:${t.tenantId}:${month}`, 60_000);
    expect(
      (await call("GET", "/v1/account", t.apiKey)).json.quota.tokens_remaining,
    ).toBe(0);
  });
});

describe("GET /admin/v1/tenants", () => {
  type Listed = {
    id: string;
    status: string;
    created_at: string;
    month_to_date: { tokens: number };
  };
  const newestFirst = (
    a: { id: string; created_at: string },
    b: { id: string; created_at: string },
  ) => b.created_at.localeCompare(a.created_at) || b.id.localeCompare(a.id);

  async function everyPage(
    query: string,
    limit: number,
  ): Promise<{ ids: string[]; pages: number }> {
    const ids: string[] = [];
    let after: string | null = null;
    for (let pages = 1; ; pages++) {
      const res = await call(
        "GET",
        `/admin/v1/tenants?limit=${limit}${query}${after === null ? "" : `&after=${after}`}`,
        ADMIN_TOKEN,
      );
      expect(res.status).toBe(200);
      const data = res.json.data as Listed[];
      expect(res.json).toEqual({
        object: "list",
        data: expect.any(Array),
        first_id: data[0]?.id ?? null,
        last_id: data.at(-1)?.id ?? null,
        has_more: expect.any(Boolean),
      });
      expect(data.length).toBeLessThanOrEqual(limit);
      ids.push(...data.map((t) => t.id));
      if (!res.json.has_more) return { ids, pages };
      after = res.json.last_id;
    }
  }

  it("pages through every tenant, newest first, filters by status, with month-to-date tokens", async () => {
    const { today, first, lastMonth, month } = calendar();
    // Every tenant in the database, as the admin API made them (this file's and the seeded one).
    const made: { id: string; created_at: string; status: string }[] = [];
    for (let i = 0; i < 5; i++) {
      const res = await call("POST", "/admin/v1/tenants", ADMIN_TOKEN, {
        name: `listed ${i}`,
      });
      made.push(res.json);
    }
    const suspended = [made[1]!.id, made[3]!.id];
    for (const id of suspended)
      expect(
        (
          await call("PATCH", `/admin/v1/tenants/${id}`, ADMIN_TOKEN, {
            status: "suspended",
          })
        ).status,
      ).toBe(200);
    await seed(made[0]!.id, first, 1_000, 500, 10, 1);
    await seed(made[0]!.id, today, 2_000, 0, 20, 2);
    await seed(made[0]!.id, lastMonth, 7_777, 0, 1, 1);
    await seed(made[3]!.id, today, 0, 4_321, 0, 1);
    expect([
      seededThisMonth.get(made[0]!.id),
      seededThisMonth.get(made[3]!.id),
    ]).toEqual([1_000 + 500 + 2_000, 4_321]);

    const all = await call("GET", "/admin/v1/tenants?limit=100", ADMIN_TOKEN);
    const listed = all.json.data as Listed[];
    expect(all.json.has_more).toBe(false);
    // Newest first: by creation time, then id, both descending.
    expect(listed.map((t) => t.id)).toEqual(
      [...listed].sort(newestFirst).map((t) => t.id),
    );
    expect(listed.slice(0, 5).map((t) => t.id)).toEqual(
      [...made].reverse().map((t) => t.id),
    );

    const one = listed.find((t) => t.id === made[3]!.id)!;
    expect(one).toEqual({
      id: made[3]!.id,
      name: "listed 3",
      status: "suspended",
      plan: DEFAULT_PLAN,
      created_at: made[3]!.created_at,
      month_to_date: {
        month,
        from: first,
        to: today,
        requests: 1,
        inputs: 1,
        tokens_computed: 0,
        tokens_cached: 4_321,
        tokens: 4_321,
        gpu_ms: 0,
      },
    });
    for (const t of listed) {
      expect(t.month_to_date.tokens).toBe(seededThisMonth.get(t.id) ?? 0);
      // And equal to the per-tenant usage route's totals over the month.
      if (seededThisMonth.has(t.id)) {
        const totals = (
          await call("GET", `/admin/v1/tenants/${t.id}/usage`, ADMIN_TOKEN)
        ).json.totals;
        expect(t.month_to_date.tokens).toBe(
          totals.tokens_computed + totals.tokens_cached,
        );
      }
    }

    // Pages of 2 walk the same list, once each.
    const paged = await everyPage("", 2);
    expect(paged.ids).toEqual(listed.map((t) => t.id));
    expect(paged.pages).toBe(Math.ceil(listed.length / 2));

    const suspendedPage = await everyPage("&status=suspended", 1);
    expect(suspendedPage.ids).toEqual(
      listed.filter((t) => t.status === "suspended").map((t) => t.id),
    );
    expect(suspendedPage.ids).toEqual([made[3]!.id, made[1]!.id]);
    const active = await everyPage("&status=active", 3);
    expect(active.ids).toEqual(
      listed.filter((t) => t.status === "active").map((t) => t.id),
    );
  });

  it("refuses bad parameters with a 400 naming them, and answers admins only", async () => {
    const cases: [string, unknown][] = [
      [
        "?limit=0",
        envelope("'limit' must be an integer between 1 and 100.", "limit"),
      ],
      [
        "?limit=101",
        envelope("'limit' must be an integer between 1 and 100.", "limit"),
      ],
      [
        "?after=nope",
        envelope("'after' must be an id from a previous page.", "after"),
      ],
      [
        "?after=ten_0000000000000000",
        envelope("'after' must be an id from a previous page.", "after"),
      ],
      [
        "?status=deleted",
        envelope("'status' must be 'active' or 'suspended'.", "status"),
      ],
    ];
    for (const [query, expected] of cases) {
      const res = await call("GET", `/admin/v1/tenants${query}`, ADMIN_TOKEN);
      expect([res.status, res.json]).toEqual([400, expected]);
    }
    const badCursor = envelope(
      "'cursor' must be the 'cursor' of a previous answer (digits), or absent to start.",
      "cursor",
    );
    for (const body of [{ cursor: "abc" }, { cursor: 5 }]) {
      const res = await call(
        "POST",
        "/admin/v1/tenants/reindex",
        ADMIN_TOKEN,
        body,
      );
      expect([res.status, res.json]).toEqual([400, badCursor]);
    }
    const extra = await call("POST", "/admin/v1/tenants/reindex", ADMIN_TOKEN, {
      from: "0",
    });
    expect([extra.status, extra.json]).toEqual([
      400,
      envelope("Unrecognized request argument supplied: from", "from"),
    ]);
    const t = await tenantWith();
    const withKey = await call("GET", "/admin/v1/tenants", t.apiKey);
    expect([withKey.status, withKey.json]).toEqual([
      401,
      envelope("Invalid or missing admin token.", null, "invalid_admin_token"),
    ]);
  });
});

describe("OpenAPI", () => {
  it("documents every new route with the statuses it answers", async () => {
    const doc = (await (await edge.fetch("/openapi.json")).json()) as {
      paths: Record<
        string,
        Record<string, { responses: Record<string, unknown> }>
      >;
    };
    const statuses = (path: string, method: string) =>
      Object.keys(doc.paths[path]?.[method]?.responses ?? {}).sort();
    // 500 is documented everywhere (routes/error-responses.ts); 404 where the key's tenant
    // record can be gone; 413/415 where a body is read.
    const body = ["413", "415"];
    expect(statuses("/v1/keys", "get")).toEqual([
      "200",
      "401",
      "403",
      "404",
      "500",
      "503",
    ]);
    expect(statuses("/v1/keys", "post")).toEqual([
      "201",
      "400",
      "401",
      "403",
      "404",
      ...body,
      "500",
      "503",
    ]);
    expect(statuses("/v1/keys/{id}", "delete")).toEqual([
      "200",
      "401",
      "403",
      "404",
      "500",
      "503",
    ]);
    expect(statuses("/v1/webhook-secret", "get")).toEqual([
      "200",
      "401",
      "403",
      "404",
      "500",
      "503",
    ]);
    expect(statuses("/v1/webhook-secret/rotate", "post")).toEqual([
      "201",
      "400",
      "401",
      "403",
      "404",
      ...body,
      "500",
      "503",
    ]);
    expect(statuses("/v1/account", "get")).toEqual([
      "200",
      "401",
      "403",
      "404",
      "500",
      "503",
    ]);
    expect(statuses("/admin/v1/tenants", "get")).toEqual([
      "200",
      "400",
      "401",
      "500",
      "503",
    ]);
    expect(statuses("/admin/v1/tenants/reindex", "post")).toEqual([
      "200",
      "400",
      "401",
      ...body,
      "500",
      "503",
    ]);
  });
});

it("never logs a key or a webhook secret", () => {
  const all = edge.logs.join("\n");
  for (const secret of secrets) expect(all).not.toContain(secret);
  expect(all).not.toMatch(
    /sk_(live|test)_[0-9A-Za-z]{16}_[0-9A-Za-z]{32}|whsec_/,
  );
});
