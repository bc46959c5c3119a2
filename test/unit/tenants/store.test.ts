/** The tenancy store against a real redis-server behind the Upstash REST bridge. */
import { createHash } from "node:crypto";
import {
  afterAll,
  afterEach,
  beforeAll,
  describe,
  expect,
  it,
  vi,
} from "vitest";
import { ApiError } from "../../../workers/errors/api-error";
import { parseApiKey } from "../../../workers/tenants/key-format";
import { TenantStore } from "../../../workers/tenants/store";
import { WebhookSecretStore } from "../../../workers/tenants/webhook-secret-store";
import { startTenancyFixture, type TenancyFixture } from "./tenancy-fixture";

const TENANT_ID = /^ten_[0-9A-Za-z]{16}$/;
const DEFAULT_PLAN = {
  requests_per_minute: 600,
  tokens_per_minute: 1_000_000,
  tokens_per_month: 100_000_000,
  max_inputs_per_request: 2048,
};

let fx: TenancyFixture;
let store: TenantStore;
let webhookSecrets: WebhookSecretStore;
let clock = Date.parse("2026-05-01T12:00:00.000Z");
const now = () => new Date(clock);

beforeAll(async () => {
  fx = await startTenancyFixture();
  store = new TenantStore(fx.redis, { keyEnv: "test", now });
  webhookSecrets = new WebhookSecretStore(fx.redis, { now });
});
afterAll(() => fx?.close());

describe("tenants", () => {
  it("creates a tenant with the default plan, stored as JSON under tenancy:tenant:{id}", async () => {
    const tenant = await store.createTenant({ name: "Acme" });
    expect(tenant).toEqual({
      id: expect.stringMatching(TENANT_ID),
      name: "Acme",
      status: "active",
      plan: DEFAULT_PLAN,
      created_at: "2026-05-01T12:00:00.000Z",
    });
    expect(await fx.redis.get(`tenancy:tenant:${tenant.id}`)).toEqual(tenant);
    expect(await store.getTenant(tenant.id)).toEqual(tenant);
  });

  it("merges a partial plan over the defaults", async () => {
    const tenant = await store.createTenant({
      name: "Small",
      plan: { requests_per_minute: 10, max_inputs_per_request: 16 },
    });
    expect(tenant.plan).toEqual({
      ...DEFAULT_PLAN,
      requests_per_minute: 10,
      max_inputs_per_request: 16,
    });
  });

  it("answers null for absent and malformed ids without touching Redis", async () => {
    expect(await store.getTenant("ten_0000000000000000")).toBeNull();
    expect(
      await new TenantStore(fx.downRedis, { keyEnv: "test" }).getTenant(
        "ten_x:keys",
      ),
    ).toBeNull();
    expect(
      await store.updateTenant("ten_0000000000000000", { name: "x" }),
    ).toBeNull();
  });

  it("patches name, status and plan fields, keeping the rest and the field order", async () => {
    const tenant = await store.createTenant({ name: "Patchy" });
    const patched = await store.updateTenant(tenant.id, {
      name: "Patched",
      status: "suspended",
      plan: { tokens_per_month: 5_000 },
    });
    const expected = {
      ...tenant,
      name: "Patched",
      status: "suspended",
      plan: { ...DEFAULT_PLAN, tokens_per_month: 5_000 },
    };
    expect(patched).toEqual(expected);
    expect(Object.keys(patched!)).toEqual([
      "id",
      "name",
      "status",
      "plan",
      "created_at",
    ]);
    expect(Object.keys(patched!.plan)).toEqual(Object.keys(DEFAULT_PLAN));
    expect(await store.getTenant(tenant.id)).toEqual(expected);
    expect(await store.updateTenant(tenant.id, { status: "active" })).toEqual({
      ...expected,
      status: "active",
    });
  });

  it("keeps plan figures up to 10^12 exact through the in-Redis merge", async () => {
    const tenant = await store.createTenant({ name: "Big" });
    const plan = {
      requests_per_minute: 1_000_000,
      tokens_per_minute: 999_999_999_999,
      tokens_per_month: 1_000_000_000_000,
      max_inputs_per_request: 2048,
    };
    expect((await store.updateTenant(tenant.id, { plan }))!.plan).toEqual(plan);
  });

  it("never loses a concurrent patch (a plan change cannot undo a suspension)", async () => {
    const tenant = await store.createTenant({ name: "Racy" });
    await Promise.all([
      store.updateTenant(tenant.id, { status: "suspended" }),
      ...Array.from({ length: 20 }, (_, i) =>
        store.updateTenant(tenant.id, { plan: { requests_per_minute: i + 1 } }),
      ),
      store.updateTenant(tenant.id, { name: "Still racy" }),
    ]);
    const after = (await store.getTenant(tenant.id))!;
    expect(after.status).toBe("suspended");
    expect(after.name).toBe("Still racy");
    expect(after.plan.requests_per_minute).toBeGreaterThanOrEqual(1);
  });
});

describe("keys", () => {
  it("creates a key: full key once, only the secret's SHA-256 stored, listed in the tenant's set", async () => {
    const tenant = await store.createTenant({ name: "Keys" });
    const created = (await store.createKey(tenant.id, { name: "ci" }))!;
    const parsed = parseApiKey(created.key)!;
    expect(parsed.env).toBe("test");
    const sha = createHash("sha256").update(parsed.secret).digest("hex");
    expect(created.record).toEqual({
      id: parsed.publicId,
      tenant_id: tenant.id,
      name: "ci",
      prefix: `sk_test_${parsed.publicId}`,
      secret_sha256: sha,
      scopes: ["embed", "index", "usage", "batch", "keys"],
      created_at: "2026-05-01T12:00:00.000Z",
      revoked_at: null,
    });
    expect(await fx.redis.get(`tenancy:key:${parsed.publicId}`)).toEqual(
      created.record,
    );
    expect(await fx.redis.smembers(`tenancy:tenant:${tenant.id}:keys`)).toEqual(
      [parsed.publicId],
    );
    expect(await store.getKey(parsed.publicId)).toEqual(created.record);
    const everything = await fx.dump();
    expect(everything).toContain(sha);
    expect(everything).not.toContain(parsed.secret);
    expect(everything).not.toContain(created.key);
  });

  it("stores scopes deduplicated in canonical order; name defaults to null", async () => {
    const tenant = await store.createTenant({ name: "Scoped" });
    const created = (await store.createKey(tenant.id, {
      scopes: ["usage", "embed", "usage"],
    }))!;
    expect(created.record.scopes).toEqual(["embed", "usage"]);
    expect(created.record.name).toBeNull();
  });

  it("refuses a key for an absent tenant and writes nothing", async () => {
    const before = await fx.redis.dbsize();
    expect(await store.createKey("ten_0000000000000000")).toBeNull();
    expect(await store.createKey("not-a-tenant")).toBeNull();
    expect(await fx.redis.dbsize()).toBe(before);
  });

  it("imports a given key (seeding a local stack): same record shape, same hash rule", async () => {
    const tenant = await store.createTenant({ name: "Seeded" });
    const key = `sk_test_DevKey0123456789_${"k".repeat(32)}`;
    const created = (await store.importKey(tenant.id, key, { name: "dev" }))!;
    expect(created).toEqual({
      key,
      record: {
        id: "DevKey0123456789",
        tenant_id: tenant.id,
        name: "dev",
        prefix: "sk_test_DevKey0123456789",
        secret_sha256: createHash("sha256")
          .update("k".repeat(32))
          .digest("hex"),
        scopes: ["embed", "index", "usage", "batch", "keys"],
        created_at: "2026-05-01T12:00:00.000Z",
        revoked_at: null,
      },
    });
    expect(await store.listKeys(tenant.id)).toEqual([
      expect.objectContaining({ id: "DevKey0123456789" }),
    ]);
    const again = await store
      .importKey(tenant.id, key)
      .catch((e: unknown) => e);
    expect((again as ApiError).body).toEqual({
      message: "An API key with this public id already exists.",
      type: "invalid_request_error",
      param: null,
      code: "key_exists",
    });
    await expect(
      store.importKey(tenant.id, "sk_dev_not_a_key"),
    ).rejects.toThrow(RangeError);
    expect(
      await store.importKey(
        "ten_0000000000000000",
        `sk_test_DevKey0123456780_${"k".repeat(32)}`,
      ),
    ).toBeNull();
  });

  it("lists keys oldest first, never with a hash or secret", async () => {
    const tenant = await store.createTenant({ name: "Lister" });
    expect(await store.listKeys(tenant.id)).toEqual([]);
    clock += 1000;
    const a = (await store.createKey(tenant.id, { name: "a" }))!;
    clock += 1000;
    const b = (await store.createKey(tenant.id, {
      name: "b",
      scopes: ["usage"],
    }))!;
    const listed = await store.listKeys(tenant.id);
    const view = ({ secret_sha256: _s, ...rest }: typeof a.record) => rest;
    expect(listed).toEqual([view(a.record), view(b.record)]);
    expect(JSON.stringify(listed)).not.toMatch(/secret|[0-9a-f]{64}/);
    expect(await store.listKeys("ten_0000000000000000")).toBeNull();
  });

  it("revokes once: revoked_at set, a second revoke keeps the first time", async () => {
    const tenant = await store.createTenant({ name: "Revoker" });
    const { record } = (await store.createKey(tenant.id))!;
    clock = Date.parse("2026-05-02T00:00:00.000Z");
    const revoked = await store.revokeKey(record.id);
    expect(revoked).toEqual({
      ...record,
      revoked_at: "2026-05-02T00:00:00.000Z",
    });
    clock += 60_000;
    expect(await store.revokeKey(record.id)).toEqual(revoked);
    expect(await store.getKey(record.id)).toEqual(revoked);
    expect(Object.keys((await store.listKeys(tenant.id))![0]!)).toEqual([
      "id",
      "tenant_id",
      "name",
      "prefix",
      "scopes",
      "created_at",
      "revoked_at",
    ]);
    expect(await store.revokeKey("0000000000000000")).toBeNull();
    expect(await store.revokeKey("sk_test_whatever")).toBeNull();
  });
});

describe("webhook secrets", () => {
  const WHSEC = /^whsec_[A-Za-z0-9+/]{43}=$/;
  const DAY_MS = 24 * 60 * 60 * 1000;
  const iso = (ms: number) => new Date(ms).toISOString();

  it("a first rotation makes the tenant's secret, stored as is under tenancy:tenant:{id}:webhook-secrets", async () => {
    clock = Date.parse("2026-06-01T00:00:00.000Z");
    const tenant = await store.createTenant({ name: "Hooks" });
    expect(await webhookSecrets.webhookSecrets(tenant.id)).toEqual([]);
    expect(await webhookSecrets.webhookSecretView(tenant.id)).toEqual({
      has_secret: false,
      created_at: null,
      previous_expires_at: null,
    });

    const rotated = (await webhookSecrets.rotateWebhookSecret(tenant.id))!;
    expect(rotated).toEqual({
      secret: expect.stringMatching(WHSEC),
      created_at: "2026-06-01T00:00:00.000Z",
      previous_expires_at: null,
    });
    expect(
      await fx.redis.get(`tenancy:tenant:${tenant.id}:webhook-secrets`),
    ).toEqual({
      current: {
        secret: rotated.secret,
        created_at: "2026-06-01T00:00:00.000Z",
      },
    });
    expect(await webhookSecrets.webhookSecrets(tenant.id)).toEqual([
      rotated.secret,
    ]);
    const view = await webhookSecrets.webhookSecretView(tenant.id);
    expect(view).toEqual({
      has_secret: true,
      created_at: "2026-06-01T00:00:00.000Z",
      previous_expires_at: null,
    });
    expect(JSON.stringify(view)).not.toContain("whsec_");
    // Lua's cjson writes "/" as "\/": look for the secret either way.
    const asWritten = [rotated.secret, rotated.secret.replaceAll("/", "\\/")];
    const holders = (await fx.dump())
      .split("\n")
      .filter((line) => asWritten.some((form) => line.includes(form)));
    expect(holders.map((line) => line.split(" ")[0])).toEqual([
      `tenancy:tenant:${tenant.id}:webhook-secrets`,
    ]);
  });

  it("keeps the replaced secret valid for 24 h by default, current first, then drops it", async () => {
    clock = Date.parse("2026-06-01T00:00:00.000Z");
    const tenant = await store.createTenant({ name: "Grace" });
    const first = (await webhookSecrets.rotateWebhookSecret(tenant.id))!;
    clock += 60_000;
    const second = (await webhookSecrets.rotateWebhookSecret(tenant.id))!;
    const expiresAt = clock + DAY_MS;
    expect(second).toEqual({
      secret: expect.stringMatching(WHSEC),
      created_at: iso(clock),
      previous_expires_at: iso(expiresAt),
    });
    expect(second.secret).not.toBe(first.secret);
    expect(
      await fx.redis.get(`tenancy:tenant:${tenant.id}:webhook-secrets`),
    ).toEqual({
      current: { secret: second.secret, created_at: iso(clock) },
      previous: {
        secret: first.secret,
        created_at: first.created_at,
        expires_at: iso(expiresAt),
      },
    });
    expect(await webhookSecrets.webhookSecrets(tenant.id)).toEqual([
      second.secret,
      first.secret,
    ]);
    expect(await webhookSecrets.webhookSecretView(tenant.id)).toEqual({
      has_secret: true,
      created_at: second.created_at,
      previous_expires_at: iso(expiresAt),
    });

    clock = expiresAt - 1;
    expect(await webhookSecrets.webhookSecrets(tenant.id)).toEqual([
      second.secret,
      first.secret,
    ]);
    clock = expiresAt;
    expect(await webhookSecrets.webhookSecrets(tenant.id)).toEqual([
      second.secret,
    ]);
    expect(await webhookSecrets.webhookSecretView(tenant.id)).toEqual({
      has_secret: true,
      created_at: second.created_at,
      previous_expires_at: null,
    });
  });

  it("takes the grace period given; 0 revokes the replaced secret at once", async () => {
    clock = Date.parse("2026-06-01T00:00:00.000Z");
    const tenant = await store.createTenant({ name: "Short grace" });
    const first = (await webhookSecrets.rotateWebhookSecret(tenant.id, {
      graceSeconds: 0,
    }))!;
    const second = (await webhookSecrets.rotateWebhookSecret(tenant.id, {
      graceSeconds: 90,
    }))!;
    expect(second.previous_expires_at).toBe("2026-06-01T00:01:30.000Z");
    expect(await webhookSecrets.webhookSecrets(tenant.id)).toEqual([
      second.secret,
      first.secret,
    ]);

    const third = (await webhookSecrets.rotateWebhookSecret(tenant.id, {
      graceSeconds: 0,
    }))!;
    expect(third.previous_expires_at).toBeNull();
    expect(
      await fx.redis.get(`tenancy:tenant:${tenant.id}:webhook-secrets`),
    ).toEqual({
      current: { secret: third.secret, created_at: third.created_at },
    });
    expect(await webhookSecrets.webhookSecrets(tenant.id)).toEqual([
      third.secret,
    ]);
  });

  it("keeps one previous secret: rotating again within the grace period ends the older one's", async () => {
    const tenant = await store.createTenant({ name: "Chain" });
    const [a, b, c] = [
      (await webhookSecrets.rotateWebhookSecret(tenant.id))!,
      (await webhookSecrets.rotateWebhookSecret(tenant.id))!,
      (await webhookSecrets.rotateWebhookSecret(tenant.id))!,
    ];
    expect(await webhookSecrets.webhookSecrets(tenant.id)).toEqual([
      c.secret,
      b.secret,
    ]);
    expect(await webhookSecrets.webhookSecrets(tenant.id)).not.toContain(
      a.secret,
    );
  });

  it("never loses the new current to a concurrent rotation", async () => {
    const tenant = await store.createTenant({ name: "Racing hooks" });
    const original = (await webhookSecrets.rotateWebhookSecret(tenant.id))!;
    const rotations = await Promise.all(
      Array.from({ length: 20 }, () =>
        webhookSecrets.rotateWebhookSecret(tenant.id),
      ),
    );
    const issued = rotations.map((r) => r!.secret);
    expect(new Set(issued).size).toBe(20);
    const [current, previous] = await webhookSecrets.webhookSecrets(tenant.id);
    expect(issued).toContain(current);
    // Read-then-write in the client would let rotations that read the same record all
    // name the original as previous; in one script each replaces the one before it.
    expect(issued).toContain(previous);
    expect(previous).not.toBe(current);
    expect(previous).not.toBe(original.secret);
  });

  it("answers null (writing nothing) or no secrets for an absent or malformed tenant id", async () => {
    const before = await fx.redis.dbsize();
    expect(
      await webhookSecrets.rotateWebhookSecret("ten_0000000000000000"),
    ).toBeNull();
    expect(await webhookSecrets.rotateWebhookSecret("ten_x:keys")).toBeNull();
    expect(await fx.redis.dbsize()).toBe(before);
    expect(
      await webhookSecrets.webhookSecretView("ten_0000000000000000"),
    ).toBeNull();
    expect(await webhookSecrets.webhookSecrets("ten_0000000000000000")).toEqual(
      [],
    );
    const down = new WebhookSecretStore(fx.downRedis);
    expect(await down.webhookSecrets("ten_x:keys")).toEqual([]);
    expect(await down.webhookSecretView("not-a-tenant")).toBeNull();
  });

  it("refuses a grace period that is not whole seconds from 0 to 7 days", async () => {
    const tenant = await store.createTenant({ name: "Bounds" });
    for (const graceSeconds of [-1, 1.5, 604_801, Number.NaN]) {
      await expect(
        webhookSecrets.rotateWebhookSecret(tenant.id, { graceSeconds }),
      ).rejects.toThrow(RangeError);
    }
    expect(await webhookSecrets.webhookSecrets(tenant.id)).toEqual([]);
    expect(
      (await webhookSecrets.rotateWebhookSecret(tenant.id, {
        graceSeconds: 604_800,
      }))!.secret,
    ).toMatch(WHSEC);
  });
});

describe("failures", () => {
  const unavailable = {
    message: "The tenancy store is temporarily unavailable. Retry shortly.",
    type: "server_error",
    param: null,
    code: "tenancy_unavailable",
  };

  afterEach(() => vi.restoreAllMocks());

  it("turns an unreachable Redis into a 503 ApiError, logging the operation and error class only", async () => {
    const warn = vi.spyOn(console, "warn").mockImplementation(() => undefined);
    const down = new TenantStore(fx.downRedis, { keyEnv: "live" });
    for (const op of [
      () => down.createTenant({ name: "x" }),
      () => down.getTenant("ten_0000000000000000"),
      () => down.listKeys("ten_0000000000000000"),
    ]) {
      const error = await op().catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ApiError);
      expect((error as ApiError).status).toBe(503);
      expect((error as ApiError).body).toEqual(unavailable);
      expect((error as ApiError).getResponse().headers.get("retry-after")).toBe(
        "1",
      );
    }
    expect(warn.mock.calls.map((c) => JSON.parse(String(c[0])))).toEqual(
      ["create_tenant", "get_tenant", "list_keys"].map((operation) => ({
        level: "warn",
        event: "tenancy_redis_error",
        operation,
        error: "TypeError",
      })),
    );
  });

  it("fails closed on a record that is not the expected shape", async () => {
    const warn = vi.spyOn(console, "warn").mockImplementation(() => undefined);
    await fx.redis.set(
      "tenancy:key:CorruptCorrupt00",
      JSON.stringify({ id: "CorruptCorrupt00", tenant_id: "ten_x" }),
    );
    const error = await store
      .getKey("CorruptCorrupt00")
      .catch((e: unknown) => e);
    expect((error as ApiError).status).toBe(503);
    expect(JSON.parse(String(warn.mock.calls[0]![0])).error).toBe(
      "CorruptRecordError",
    );
  });

  it("webhook secrets: 503 with Redis down, and fail closed on a mangled record", async () => {
    const warn = vi.spyOn(console, "warn").mockImplementation(() => undefined);
    const down = new WebhookSecretStore(fx.downRedis);
    for (const op of [
      () => down.rotateWebhookSecret("ten_0000000000000000"),
      () => down.webhookSecrets("ten_0000000000000000"),
      () => down.webhookSecretView("ten_0000000000000000"),
    ]) {
      const error = await op().catch((e: unknown) => e);
      expect((error as ApiError).body).toEqual(unavailable);
    }
    const tenant = await store.createTenant({ name: "Mangled hooks" });
    await fx.redis.set(
      `tenancy:tenant:${tenant.id}:webhook-secrets`,
      JSON.stringify({ current: { secret: "not-a-secret", created_at: "x" } }),
    );
    expect(
      (
        (await webhookSecrets
          .webhookSecrets(tenant.id)
          .catch((e: unknown) => e)) as ApiError
      ).status,
    ).toBe(503);
    expect(warn.mock.calls.map((c) => JSON.parse(String(c[0])))).toEqual([
      ...[
        "rotate_webhook_secret",
        "get_webhook_secrets",
        "get_webhook_secret_view",
      ].map((operation) => ({
        level: "warn",
        event: "tenancy_redis_error",
        operation,
        error: "TypeError",
      })),
      {
        level: "warn",
        event: "tenancy_redis_error",
        operation: "get_webhook_secrets",
        error: "CorruptRecordError",
      },
    ]);
  });
});

describe("tenant list", () => {
  // Its own database: the list reads every tenant there is.
  let own: TenancyFixture;
  let listing: TenantStore;
  let at = Date.parse("2026-06-01T00:00:00.000Z");
  beforeAll(async () => {
    own = await startTenancyFixture();
    listing = new TenantStore(own.redis, {
      keyEnv: "test",
      now: () => new Date(at),
    });
  });
  afterAll(() => own?.close());

  it("indexes a tenant with its record, in one script: `{created_at} {id}` under tenancy:tenants", async () => {
    const tenant = await listing.createTenant({ name: "Indexed" });
    expect(await own.redis.zrange("tenancy:tenants", 0, -1)).toEqual([
      `2026-06-01T00:00:00.000Z ${tenant.id}`,
    ]);
    expect(await listing.listTenants({ limit: 10, after: null })).toEqual({
      tenants: [tenant],
      hasMore: false,
    });
  });

  it("pages newest first, and a status filter reads past chunks of other tenants", async () => {
    const made = [
      (await listing.listTenants({ limit: 1, after: null }))!.tenants[0]!,
    ];
    // Two suspended tenants, then 205 active ones: more than one 200-member chunk above them.
    for (let i = 0; i < 207; i++) {
      at += 1000;
      const tenant = await listing.createTenant({ name: `t${i}` });
      made.push(
        i < 2
          ? (await listing.updateTenant(tenant.id, { status: "suspended" }))!
          : tenant,
      );
    }
    const newestFirst = [...made].reverse();
    const firstPage = await listing.listTenants({ limit: 3, after: null });
    expect(firstPage).toEqual({
      tenants: newestFirst.slice(0, 3),
      hasMore: true,
    });
    const next = await listing.listTenants({
      limit: 3,
      after: newestFirst[2]!.id,
    });
    expect(next).toEqual({ tenants: newestFirst.slice(3, 6), hasMore: true });
    const last = await listing.listTenants({
      limit: 3,
      after: newestFirst[204]!.id,
    });
    expect(last).toEqual({
      tenants: newestFirst.slice(205, 208),
      hasMore: false,
    });

    const suspended = made.filter((t) => t.status === "suspended").reverse();
    expect(suspended.map((t) => t.name)).toEqual(["t1", "t0"]);
    expect(
      await listing.listTenants({ limit: 1, after: null, status: "suspended" }),
    ).toEqual({ tenants: [suspended[0]], hasMore: true });
    expect(
      await listing.listTenants({
        limit: 1,
        after: suspended[0]!.id,
        status: "suspended",
      }),
    ).toEqual({ tenants: [suspended[1]], hasMore: false });
    const active = await listing.listTenants({
      limit: 300,
      after: null,
      status: "active",
    });
    expect(active).toEqual({
      tenants: newestFirst.filter((t) => t.status === "active"),
      hasMore: false,
    });
    expect(active!.tenants).toHaveLength(206);
  });

  it("rebuilds a lost index from the tenant records, a bounded step at a time", async () => {
    const before = (await listing.listTenants({ limit: 1000, after: null }))!
      .tenants;
    expect(before).toHaveLength(208);
    await own.redis.del("tenancy:tenants");
    expect(await listing.listTenants({ limit: 1000, after: null })).toEqual({
      tenants: [],
      hasMore: false,
    });
    let cursor = "0";
    let indexed = 0;
    do {
      const step = await listing.indexExistingTenants(cursor);
      indexed += step.indexed;
      cursor = step.cursor;
    } while (cursor !== "0");
    // SCAN may return a key twice; the index holds each once.
    expect(indexed).toBeGreaterThanOrEqual(208);
    expect(await own.redis.zcard("tenancy:tenants")).toBe(208);
    expect(await listing.listTenants({ limit: 1000, after: null })).toEqual({
      tenants: before,
      hasMore: false,
    });
  });

  it("answers null for an `after` that names no tenant", async () => {
    expect(
      await listing.listTenants({ limit: 1, after: "ten_0000000000000000" }),
    ).toBeNull();
    expect(
      await listing.listTenants({ limit: 1, after: "not-an-id" }),
    ).toBeNull();
  });
});
