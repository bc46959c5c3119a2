import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { ApiError } from "../../../workers/errors/api-error";
import {
  COOL_DOWN_MS,
  createCircuitBreakers,
  FAILURE_THRESHOLD,
  type CircuitBreakers,
} from "../../../workers/gpu/circuit-breaker";
import { createGpuPool } from "../../../workers/gpu/pool";
import {
  embeddingsReply,
  expectedVector,
  fakeClock,
  sglangError,
  startFakeSglang,
  testConfig,
  textItems,
  type FakeSglang,
} from "./fake-sglang";

const URL_A = "http://a.example";

describe("circuit breaker state machine", () => {
  let breakers: CircuitBreakers;
  beforeEach(() => {
    breakers = createCircuitBreakers();
  });

  it("opens after 5 consecutive failures for 10 s, then admits exactly one probe", () => {
    expect([FAILURE_THRESHOLD, COOL_DOWN_MS]).toEqual([5, 10_000]);
    for (let i = 0; i < 4; i++) breakers.recordFailure(URL_A, 0);
    expect(breakers.state(URL_A, 0)).toBe("closed");
    breakers.recordSuccess(URL_A); // a success resets the count
    for (let i = 0; i < 4; i++) breakers.recordFailure(URL_A, 0);
    expect(breakers.tryAcquire(URL_A, 0)).toBe(true);
    breakers.recordFailure(URL_A, 1_000);
    expect(breakers.state(URL_A, 1_000)).toBe("open");
    expect(breakers.tryAcquire(URL_A, 10_999)).toBe(false);
    expect(breakers.state(URL_A, 11_000)).toBe("half_open");
    expect([
      breakers.tryAcquire(URL_A, 11_000),
      breakers.tryAcquire(URL_A, 11_001),
    ]).toEqual([true, false]);
    // A probe that never reports back does not wedge it: another may go a cool-down later.
    expect(breakers.tryAcquire(URL_A, 21_000)).toBe(true);
    breakers.recordSuccess(URL_A);
    expect(breakers.state(URL_A, 21_000)).toBe("closed");
  });

  it("re-opens for a full cool-down when the probe fails", () => {
    for (let i = 0; i < 5; i++) breakers.recordFailure(URL_A, 0);
    expect(breakers.tryAcquire(URL_A, 10_000)).toBe(true);
    breakers.recordFailure(URL_A, 10_500);
    expect([
      breakers.state(URL_A, 20_499),
      breakers.state(URL_A, 20_500),
    ]).toEqual(["open", "half_open"]);
  });
});

describe("circuit breaker in the pool", () => {
  let sglang: FakeSglang;
  beforeEach(async () => {
    sglang = await startFakeSglang(() =>
      sglangError(503, "down", "ServiceUnavailable"),
    );
  });
  afterEach(() => sglang.close());

  const retryAfterOf = async (promise: Promise<unknown>) => {
    const error = await promise.then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(ApiError);
    return {
      status: (error as ApiError).status,
      retryAfterSeconds: (error as ApiError).retryAfterSeconds,
    };
  };

  it("stops calling a failing endpoint, fails fast while open, and recovers through a half-open probe", async () => {
    const clock = fakeClock();
    const pool = createGpuPool(testConfig([sglang.url]), {
      ...clock,
      random: () => 0,
    });
    const items = textItems(["x"]);

    // 4 failures (1 + 3 retries): still closed.
    expect(await retryAfterOf(pool.embed(items))).toEqual({
      status: 503,
      retryAfterSeconds: 5,
    });
    expect(sglang.embedCalls().length).toBe(4);
    // The 5th failure opens it; the retry round then fails fast, citing the cool-down.
    expect(await retryAfterOf(pool.embed(items))).toEqual({
      status: 503,
      retryAfterSeconds: 10,
    });
    expect(sglang.embedCalls().length).toBe(5);
    expect(pool.breakers.state(sglang.url, clock.t)).toBe("open");
    // While open: no call at all.
    clock.t += 4_000;
    expect(await retryAfterOf(pool.embed(items))).toEqual({
      status: 503,
      retryAfterSeconds: 6,
    });
    expect(sglang.embedCalls().length).toBe(5);

    // After the cool-down one probe goes through; it succeeds and closes the breaker.
    clock.t += 6_000;
    expect(pool.breakers.state(sglang.url, clock.t)).toBe("half_open");
    sglang.setHandler((req) => embeddingsReply(req));
    const result = await pool.embed(items);
    expect(result.vectors).toEqual([expectedVector("x")]);
    expect(result.calls).toBe(1);
    expect(pool.breakers.state(sglang.url, clock.t)).toBe("closed");
    expect(clock.delays).toEqual([0, 0, 0]);
  });

  it("fails over past an open endpoint without calling it", async () => {
    const good = await startFakeSglang();
    try {
      const clock = fakeClock();
      const breakers = createCircuitBreakers();
      for (let i = 0; i < 5; i++) breakers.recordFailure(sglang.url, clock.t);
      const result = await createGpuPool(testConfig([sglang.url, good.url]), {
        ...clock,
        breakers,
      }).embed(textItems(["x"]));
      expect(result.calls).toBe(1);
      expect([sglang.embedCalls().length, good.embedCalls().length]).toEqual([
        0, 1,
      ]);
    } finally {
      await good.close();
    }
  });

  it("does not count the caller's cancellation against the endpoint", async () => {
    sglang.setHandler(() => ({ hang: true }));
    const pool = createGpuPool(testConfig([sglang.url]));
    for (let i = 0; i < FAILURE_THRESHOLD; i++) {
      const controller = new AbortController();
      const pending = pool.embed(textItems(["x"]), controller.signal);
      await vi.waitFor(() => expect(sglang.embedCalls().length).toBe(i + 1));
      controller.abort(new Error("gone"));
      await expect(pending).rejects.toThrow("gone");
    }
    expect(pool.breakers.state(sglang.url, Date.now())).toBe("closed");
  });
});
