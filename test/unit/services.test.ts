/**
 * The composition root (workers/services.ts): services are built once per env object
 * and two env objects never share state. The breaker check runs the real pools against
 * a fake SGLang server that answers 503, so "open" is observed as calls not made.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ApiError } from "../../workers/errors/api-error";
import { ConfigError, configFrom } from "../../workers/env";
import { createServices, servicesFor } from "../../workers/services";
import {
  embeddingsReply,
  expectedVector,
  sglangError,
  startFakeSglang,
  textItems,
  type FakeSglang,
} from "./gpu/fake-sglang";

let sglang: FakeSglang;
beforeAll(async () => {
  sglang = await startFakeSglang(() =>
    sglangError(503, "down", "ServiceUnavailable"),
  );
});
afterAll(() => sglang.close());

/** One endpoint, no retries: each embed() is exactly one call, one breaker failure. */
const envVars = (): Record<string, string> => ({
  GPU_WORKER_URLS: sglang.url,
  GPU_MAX_RETRIES: "0",
  UPSTASH_REDIS_REST_URL: "http://127.0.0.1:9",
  UPSTASH_REDIS_REST_TOKEN: "token",
});

const statusOf = (promise: Promise<unknown>) =>
  promise.then(
    () => "resolved",
    (e: unknown) => (e instanceof ApiError ? e.status : String(e)),
  );

describe("services per env object", () => {
  it("are built once per env object, and a different env object gets its own", () => {
    const envA = envVars();
    const envB = envVars();
    const a = servicesFor(envA);
    expect(servicesFor(envA)).toBe(a);
    expect(a.tenancy()).toBe(a.tenancy());
    const b = servicesFor(envB);
    expect(b).not.toBe(a);
    expect(createServices(envA)).not.toBe(a);
    expect([
      b.gpu === a.gpu,
      b.gpu.breakers === a.gpu.breakers,
      b.cache.l1 === a.cache.l1,
      b.singleFlight === a.singleFlight,
    ]).toEqual([false, false, false, false]);
    expect([
      b.tenancy().redis === a.tenancy().redis,
      b.tenancy().keyResolver === a.tenancy().keyResolver,
    ]).toEqual([false, false]);
  });

  it("one env's breaker opening leaves the other env's pools calling the endpoint", async () => {
    const a = createServices(envVars());
    const b = createServices(envVars());
    const before = sglang.embedCalls().length;
    for (let i = 0; i < 5; i++)
      expect(await statusOf(a.gpu.embed(textItems(["x"])))).toBe(503);
    expect(sglang.embedCalls().length - before).toBe(5);
    expect(a.gpu.breakers.state(sglang.url, Date.now())).toBe("open");

    // A is open: neither its interactive pool nor its bulk lane (same breakers) calls.
    expect(await statusOf(a.gpu.embed(textItems(["x"])))).toBe(503);
    expect(await statusOf(a.bulkGpu(textItems(["x"])))).toBe(503);
    expect(sglang.embedCalls().length - before).toBe(5);

    // B never saw those failures: it still calls, and is served once the endpoint is back.
    expect(b.gpu.breakers.state(sglang.url, Date.now())).toBe("closed");
    expect(await statusOf(b.gpu.embed(textItems(["x"])))).toBe(503);
    expect(sglang.embedCalls().length - before).toBe(6);
    sglang.setHandler((req) => embeddingsReply(req));
    expect((await b.gpu.embed(textItems(["y"]))).vectors).toEqual([
      expectedVector("y"),
    ]);
    expect(await statusOf(a.gpu.embed(textItems(["y"])))).toBe(503);
  });

  it("one env's L1 entries are not seen by the other's", () => {
    const a = createServices(envVars());
    const b = createServices(envVars());
    a.cache.l1!.set("emb:v1:t:k", {
      vector: new Float32Array([1, 0]),
      tokens: 1,
    });
    expect([
      a.cache.l1!.get("emb:v1:t:k")?.tokens,
      b.cache.l1!.get("emb:v1:t:k"),
    ]).toEqual([1, undefined]);
  });

  it("fails closed with a ConfigError naming the variables", () => {
    const badUrl: Record<string, string> = { GPU_WORKER_URLS: "ftp://x" };
    expect(() => createServices(badUrl)).toThrow(
      new ConfigError("invalid configuration: GPU_WORKER_URLS"),
    );
    const withoutRedis: Record<string, string> = {
      GPU_WORKER_URLS: sglang.url,
    };
    const noRedis = createServices(withoutRedis);
    expect(() => noRedis.tenancy()).toThrow(
      new ConfigError(
        "invalid configuration: UPSTASH_REDIS_REST_URL and UPSTASH_REDIS_REST_TOKEN are required",
      ),
    );
  });

  it("takes an ADMIN_TOKEN that a Bearer header can carry (RFC 6750 b64token), and only such", () => {
    const withToken = (ADMIN_TOKEN: string) =>
      configFrom({ GPU_WORKER_URLS: sglang.url, ADMIN_TOKEN });
    expect(withToken("adm_AZaz09-._~+/token==").tenancy.adminToken).toBe(
      "adm_AZaz09-._~+/token==",
    );
    for (const bad of [
      "adm token with spaces",
      "adm_0123456789abcdef,",
      "adm_0123456789=abcdef",
      "short_token",
    ]) {
      expect(() => withToken(bad)).toThrow(
        new ConfigError("invalid configuration: ADMIN_TOKEN"),
      );
    }
  });
});
