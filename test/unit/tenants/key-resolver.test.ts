/**
 * The tenant key resolver against a real redis-server behind the bridge: every
 * refusal reason, the secret checked on every request, the isolate cache's TTL with an
 * injected clock, its bounds, and fail-closed behaviour with Redis down.
 */
import "./workerd-crypto";
import { createHash } from "node:crypto";
import type { Redis } from "@upstash/redis";
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
import {
  tenantKeyResolver,
  type TenantKeyResolverOptions,
} from "../../../workers/tenants/key-resolver";
import { TenantStore } from "../../../workers/tenants/store";
import type { Tenant } from "../../../workers/tenants/records";
import { startTenancyFixture, type TenancyFixture } from "./tenancy-fixture";

let fx: TenancyFixture;
let store: TenantStore;
beforeAll(async () => {
  fx = await startTenancyFixture();
  store = new TenantStore(fx.redis, { keyEnv: "live" });
});
afterAll(() => fx?.close());
afterEach(() => vi.restoreAllMocks());

/**
 * A Redis that counts reads (each GET and MGET by the keys it names) and how many were
 * in flight at once; `gate` holds every read until it is opened, a Redis that is slow.
 */
function countingRedis(real: Redis) {
  const stats = {
    gets: [] as string[],
    mgets: [] as string[][],
    inFlight: 0,
    maxInFlight: 0,
  };
  let gate: Promise<void> = Promise.resolve();
  const read = async <T>(run: () => Promise<T>): Promise<T> => {
    stats.maxInFlight = Math.max(stats.maxInFlight, ++stats.inFlight);
    try {
      await gate;
      return await run();
    } finally {
      stats.inFlight--;
    }
  };
  const redis = {
    get<T>(key: string): Promise<T | null> {
      stats.gets.push(key);
      return read(() => real.get<T>(key));
    },
    mget<T extends unknown[]>(...keys: string[]): Promise<T> {
      stats.mgets.push(keys);
      return read(() => real.mget<T>(...keys));
    },
  } as Pick<Redis, "get" | "mget">;
  /** Holds reads from now on until the returned function is called. */
  const slow = () => {
    let open!: () => void;
    gate = new Promise<void>((resolve) => (open = resolve));
    return () => {
      gate = Promise.resolve();
      open();
    };
  };
  return { redis, stats, slow };
}

function setup(
  ttlMs = 2000,
  options: TenantKeyResolverOptions = {},
  real: Redis = fx.redis,
) {
  const clock = { t: 1_000_000 };
  const { redis, stats, slow } = countingRedis(real);
  const resolve = tenantKeyResolver({ tenancy: { cacheTtlMs: ttlMs } }, redis, {
    now: () => clock.t,
    ...options,
  });
  return { resolve, clock, stats, slow };
}

async function tenantWithKey(
  scopes?: ("embed" | "index" | "usage")[],
): Promise<{ tenant: Tenant; key: string; keyId: string }> {
  const tenant = await store.createTenant({
    name: "resolver",
    plan: { requests_per_minute: 7 },
  });
  const created = (await store.createKey(tenant.id, scopes ? { scopes } : {}))!;
  return { tenant, key: created.key, keyId: created.record.id };
}

const withSecret = (key: string, secret: string) =>
  key.replace(/_[0-9A-Za-z]{32}$/, `_${secret}`);

describe("refusals and the principal", () => {
  it("admits a valid key with its tenant, key id, scopes and plan", async () => {
    const { tenant, key, keyId } = await tenantWithKey(["embed", "usage"]);
    const { resolve } = setup();
    expect(await resolve(key)).toEqual({
      ok: true,
      principal: {
        tenantId: tenant.id,
        keyId,
        scopes: ["embed", "usage"],
        plan: tenant.plan,
      },
    });
  });

  it.each([
    "",
    "Bearer x",
    "sk_live_short_secret",
    "sk_dev_e2e_0123456789abcdef",
  ])("malformed: %j (no Redis call)", async (text) => {
    const { resolve, stats } = setup();
    expect(await resolve(text)).toEqual({ ok: false, reason: "malformed" });
    expect(stats.gets).toEqual([]);
  });

  it("unknown: a well-formed key with no record", async () => {
    const { resolve } = setup();
    expect(await resolve(`sk_live_0000000000000000_${"a".repeat(32)}`)).toEqual(
      { ok: false, reason: "unknown" },
    );
  });

  it("unknown: the right public id with a wrong secret, or the other env", async () => {
    const { key } = await tenantWithKey();
    const { resolve } = setup();
    expect(await resolve(withSecret(key, "b".repeat(32)))).toEqual({
      ok: false,
      reason: "unknown",
    });
    expect(await resolve(key.replace("sk_live_", "sk_test_"))).toEqual({
      ok: false,
      reason: "unknown",
    });
    expect((await resolve(key)).ok).toBe(true);
  });

  it("revoked: a revoked key; a wrong secret for it still reads unknown", async () => {
    const { key, keyId } = await tenantWithKey();
    await store.revokeKey(keyId);
    const { resolve } = setup();
    expect(await resolve(key)).toEqual({ ok: false, reason: "revoked" });
    expect(await resolve(withSecret(key, "c".repeat(32)))).toEqual({
      ok: false,
      reason: "unknown",
    });
  });

  it("suspended: a valid key of a suspended tenant; admitted again once active", async () => {
    const { tenant, key } = await tenantWithKey();
    await store.updateTenant(tenant.id, { status: "suspended" });
    const { resolve } = setup(0);
    expect(await resolve(key)).toEqual({ ok: false, reason: "suspended" });
    await store.updateTenant(tenant.id, { status: "active" });
    expect((await resolve(key)).ok).toBe(true);
  });
});

describe("timing: an unknown id and a wrong secret do the same work", () => {
  const sha256 = (text: string) =>
    new Uint8Array(createHash("sha256").update(text).digest());

  it("one SHA-256 of the presented secret and one constant-time comparison each, cold and cached", async () => {
    const { key } = await tenantWithKey();
    const unknownKey = `sk_live_0000000000000000_${"a".repeat(32)}`;
    const wrongSecret = withSecret(key, "a".repeat(32));
    const { resolve } = setup();
    const digest = vi.spyOn(crypto.subtle, "digest");
    const compare = vi.spyOn(crypto.subtle, "timingSafeEqual");
    const work = async (presented: string) => {
      digest.mockClear();
      compare.mockClear();
      expect(await resolve(presented)).toEqual({
        ok: false,
        reason: "unknown",
      });
      const bytes = (data: unknown) => new Uint8Array(data as Uint8Array);
      return {
        digests: digest.mock.calls.length,
        comparisons: compare.mock.calls.map(([a, b]) => [bytes(a), bytes(b)]),
      };
    };
    for (const round of ["cold", "cached"]) {
      const unknown = await work(unknownKey);
      const wrong = await work(wrongSecret);
      expect([round, unknown.digests, wrong.digests]).toEqual([round, 1, 1]);
      // Both compare SHA-256("a" × 32); the unknown id against 32 zero bytes, as no stored digest exists.
      expect(unknown.comparisons).toEqual([
        [sha256("a".repeat(32)), new Uint8Array(32)],
      ]);
      expect(wrong.comparisons).toHaveLength(1);
      expect(wrong.comparisons[0]?.[0]).toEqual(sha256("a".repeat(32)));
    }
  });
});

describe("timing: an unknown id and a known key cost the same Redis round trips", () => {
  it("first sight: two sequential GETs each (key, then its tenant or a placeholder tenant)", async () => {
    const { key, keyId, tenant } = await tenantWithKey();
    const unknownKey = `sk_live_${"1".repeat(16)}_${"a".repeat(32)}`;
    const wrongSecret = withSecret(key, "a".repeat(32));
    const a = setup();
    expect(await a.resolve(unknownKey)).toEqual({
      ok: false,
      reason: "unknown",
    });
    expect(a.stats).toMatchObject({
      gets: [
        `tenancy:key:${"1".repeat(16)}`,
        `tenancy:tenant:ten_${"0".repeat(16)}`,
      ],
      mgets: [],
      maxInFlight: 1,
    });
    const b = setup();
    expect(await b.resolve(wrongSecret)).toEqual({
      ok: false,
      reason: "unknown",
    });
    expect(b.stats).toMatchObject({
      gets: [`tenancy:key:${keyId}`, `tenancy:tenant:${tenant.id}`],
      mgets: [],
      maxInFlight: 1,
    });
  });
});

describe("isolate cache", () => {
  it("serves a hot key from memory for the TTL, then sees the revocation", async () => {
    const { key, keyId } = await tenantWithKey();
    const { resolve, clock, stats } = setup(2000);
    expect((await resolve(key)).ok).toBe(true);
    const afterFirst = stats.gets.length;
    expect(afterFirst).toBe(2);
    await store.revokeKey(keyId);
    clock.t += 1999;
    expect((await resolve(key)).ok).toBe(true);
    expect(stats.gets.length).toBe(afterFirst);
    clock.t += 1;
    expect(await resolve(key)).toEqual({ ok: false, reason: "revoked" });
  });

  it("sees a suspension within the TTL", async () => {
    const { tenant, key } = await tenantWithKey();
    const { resolve, clock } = setup(2000);
    expect((await resolve(key)).ok).toBe(true);
    await store.updateTenant(tenant.id, { status: "suspended" });
    clock.t += 2000;
    expect(await resolve(key)).toEqual({ ok: false, reason: "suspended" });
  });

  it("checks the secret on every request, cache hit or not", async () => {
    const { key } = await tenantWithKey();
    const { resolve, stats } = setup(2000);
    expect((await resolve(key)).ok).toBe(true);
    const gets = stats.gets.length;
    expect(await resolve(withSecret(key, "d".repeat(32)))).toEqual({
      ok: false,
      reason: "unknown",
    });
    expect((await resolve(key)).ok).toBe(true);
    expect(stats.gets.length).toBe(gets);
  });

  it("refreshes the key and its tenant in ONE command (MGET)", async () => {
    const { tenant, key, keyId } = await tenantWithKey();
    const { resolve, clock, stats } = setup(2000);
    await resolve(key);
    // First sight: the tenant id is only known from the key record.
    expect(stats.gets).toEqual([
      `tenancy:key:${keyId}`,
      `tenancy:tenant:${tenant.id}`,
    ]);
    expect(stats.mgets).toEqual([]);
    clock.t += 2000;
    await resolve(key);
    expect(stats.gets).toHaveLength(2);
    expect(stats.mgets).toEqual([
      [`tenancy:key:${keyId}`, `tenancy:tenant:${tenant.id}`],
    ]);
  });

  it("remembers unknown keys briefly, then looks again", async () => {
    const publicId = "NegativeCache001";
    const secret = "e".repeat(32);
    const { tenant } = await tenantWithKey();
    const { resolve, clock, stats } = setup(2000);
    const key = `sk_live_${publicId}_${secret}`;
    expect(await resolve(key)).toEqual({ ok: false, reason: "unknown" });
    expect(await resolve(key)).toEqual({ ok: false, reason: "unknown" });
    // One lookup (the key, then the placeholder tenant that evens out timing), then memory.
    expect(stats.gets).toEqual([
      `tenancy:key:${publicId}`,
      `tenancy:tenant:ten_${"0".repeat(16)}`,
    ]);
    // A record appears (written directly, since generated ids are random).
    const { createHash } = await import("node:crypto");
    await fx.redis.set(`tenancy:key:${publicId}`, {
      id: publicId,
      tenant_id: tenant.id,
      name: null,
      prefix: `sk_live_${publicId}`,
      secret_sha256: createHash("sha256").update(secret).digest("hex"),
      scopes: ["embed"],
      created_at: "2026-05-01T00:00:00.000Z",
      revoked_at: null,
    });
    clock.t += 2000;
    expect((await resolve(key)).ok).toBe(true);
  });

  it("with TTL 0 asks Redis every time", async () => {
    const { key } = await tenantWithKey();
    const { resolve, stats } = setup(0);
    await resolve(key);
    await resolve(key);
    await resolve(key);
    expect(stats.gets.length + 2 * stats.mgets.length).toBe(2 + 2 + 2);
  });

  it("shares one lookup among concurrent requests for a cold key", async () => {
    const { key } = await tenantWithKey();
    const { resolve, stats } = setup(2000);
    const results = await Promise.all(
      Array.from({ length: 20 }, () => resolve(key)),
    );
    expect(results.every((r) => r.ok)).toBe(true);
    expect(stats.gets.length).toBe(2);
  });

  it("is bounded: the least recently used key is evicted, unknown keys cannot evict known ones", async () => {
    const keys = await Promise.all([
      tenantWithKey(),
      tenantWithKey(),
      tenantWithKey(),
    ]);
    const { resolve, stats } = setup(60_000, {
      maxEntries: 2,
      maxUnknownEntries: 1,
    });
    for (const { key } of keys) await resolve(key);
    expect(stats.gets.length).toBe(6);
    for (let i = 0; i < 5; i++)
      expect(
        await resolve(`sk_live_Unknown${i}00000000_${"f".repeat(32)}`),
      ).toEqual({ ok: false, reason: "unknown" });
    expect(stats.gets.length).toBe(6 + 5 * 2); // an unknown id's first sight reads the placeholder tenant too
    stats.gets.length = 0;
    await resolve(keys[2]!.key);
    await resolve(keys[1]!.key);
    expect(stats.gets).toEqual([]);
    await resolve(keys[0]!.key);
    // Evicted, so first sight again: the tenant id comes from the key record.
    expect(stats.gets).toEqual([
      `tenancy:key:${parseApiKey(keys[0]!.key)!.publicId}`,
      `tenancy:tenant:${keys[0]!.tenant.id}`,
    ]);
  });
});

describe("background refresh (a caller that passes waitUntil)", () => {
  /** A waitUntil that keeps what it is given, to be awaited by the test. */
  function backgroundWork() {
    const held: Promise<unknown>[] = [];
    return {
      held,
      background: (work: Promise<unknown>) => void held.push(work),
    };
  }

  /** True if `promise` settles before the Redis gate opens: with the gate shut, that means it never waited for Redis. */
  const settlesWithoutRedis = (promise: Promise<unknown>) =>
    Promise.race([
      promise.then(() => true),
      new Promise<boolean>((resolve) => setTimeout(() => resolve(false), 1000)),
    ]);

  it("serves a record past its refresh age at once while ONE refresh runs in the background, even with Redis slow", async () => {
    const { tenant, key, keyId } = await tenantWithKey();
    const { resolve, clock, stats, slow } = setup(2000);
    const { held, background } = backgroundWork();
    expect((await resolve(key, background)).ok).toBe(true);
    clock.t += 1500; // the default refresh age: three quarters of 2,000 ms
    const open = slow();
    const answers = Array.from({ length: 5 }, () => resolve(key, background));
    expect(await settlesWithoutRedis(Promise.all(answers))).toBe(true);
    expect((await Promise.all(answers)).every((a) => a.ok)).toBe(true);
    // Single-flight: five requests, one refresh, one MGET for key and tenant.
    expect(held).toHaveLength(1);
    expect(stats.mgets).toEqual([
      [`tenancy:key:${keyId}`, `tenancy:tenant:${tenant.id}`],
    ]);
    open();
    await Promise.all(held);
    // Refreshed at t+1500: served without Redis until its refresh age again (t+3000).
    clock.t += 1499;
    expect((await resolve(key, background)).ok).toBe(true);
    expect(held).toHaveLength(1);
    expect(stats.mgets).toHaveLength(1);
  });

  it("sees a revocation through the background refresh, and past the hard bound waits for Redis", async () => {
    const { key, keyId } = await tenantWithKey();
    const { resolve, clock, slow } = setup(2000);
    const { held, background } = backgroundWork();
    expect((await resolve(key, background)).ok).toBe(true);
    await store.revokeKey(keyId);
    clock.t += 1500;
    expect((await resolve(key, background)).ok).toBe(true); // served while the refresh reads
    await Promise.all(held);
    expect(await resolve(key, background)).toEqual({
      ok: false,
      reason: "revoked",
    });

    // Another key, a slow Redis: at the hard bound (the TTL) the request waits for it.
    const other = await tenantWithKey();
    expect((await resolve(other.key, background)).ok).toBe(true);
    await store.revokeKey(other.keyId);
    clock.t += 2000;
    const open = slow();
    const answer = resolve(other.key, background);
    expect(await settlesWithoutRedis(answer)).toBe(false);
    open();
    expect(await answer).toEqual({ ok: false, reason: "revoked" });
  });

  it("a failed background refresh leaves the record served only up to the hard bound, then fails closed", async () => {
    vi.spyOn(console, "warn").mockImplementation(() => undefined);
    const { key } = await tenantWithKey();
    let target: Redis = fx.redis;
    const clock = { t: 0 };
    const reader = {
      get: (k: string) => target.get(k),
      mget: (...keys: string[]) => target.mget(...keys),
    } as Pick<Redis, "get" | "mget">;
    const resolve = tenantKeyResolver(
      { tenancy: { cacheTtlMs: 2000 } },
      reader,
      { now: () => clock.t },
    );
    const { held, background } = backgroundWork();
    expect((await resolve(key, background)).ok).toBe(true);
    target = fx.downRedis;
    clock.t = 1000;
    expect((await resolve(key, background)).ok).toBe(true);
    await Promise.all(held); // the refresh failed; nothing thrown into waitUntil
    clock.t = 1999;
    expect((await resolve(key, background)).ok).toBe(true);
    clock.t = 2000;
    expect(
      ((await resolve(key, background).catch((e: unknown) => e)) as ApiError)
        .status,
    ).toBe(503);
  });
});

describe("Redis down: fail closed", () => {
  it("throws a 503 ApiError for a key it cannot verify", async () => {
    vi.spyOn(console, "warn").mockImplementation(() => undefined);
    const { key } = await tenantWithKey();
    const { resolve } = setup(2000, {}, fx.downRedis);
    const error = await resolve(key).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ApiError);
    expect((error as ApiError).status).toBe(503);
    expect((error as ApiError).body).toEqual({
      message: "The tenancy store is temporarily unavailable. Retry shortly.",
      type: "server_error",
      param: null,
      code: "tenancy_unavailable",
    });
  });

  it("keeps serving a verified entry until its TTL, then refuses with 503 rather than trust it longer", async () => {
    vi.spyOn(console, "warn").mockImplementation(() => undefined);
    const { key } = await tenantWithKey();
    let target: Redis = fx.redis;
    const clock = { t: 0 };
    const resolve = tenantKeyResolver(
      { tenancy: { cacheTtlMs: 2000 } },
      {
        get: (k: string) => target.get(k),
        mget: (...keys: string[]) => target.mget(...keys),
      } as Pick<Redis, "get" | "mget">,
      { now: () => clock.t },
    );
    expect((await resolve(key)).ok).toBe(true);
    target = fx.downRedis;
    clock.t = 1999;
    expect((await resolve(key)).ok).toBe(true);
    clock.t = 2000;
    expect(
      ((await resolve(key).catch((e: unknown) => e)) as ApiError).status,
    ).toBe(503);
    target = fx.redis;
    expect((await resolve(key)).ok).toBe(true);
  });
});
