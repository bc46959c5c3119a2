// Admission leases against a real redis-server behind the Upstash REST bridge, with an
// injected clock: what Redis holds after each grant, return and top-up; top-ups landing
// before the lease runs dry (no request waits); a request over a limit on its own
// refused at once; and the overshoot bound with several admission instances on one
// Redis hammering one tenant. Expected values are worked out by hand from the policy:
// lease cap = 0.5% of the limit (at least 1), lease = units admitted in the last 2 s.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import {
  createAdmission,
  type Admission,
} from "../../../workers/limits/admission";
import { AdmissionError } from "../../../workers/limits/admission-error";
import {
  principal,
  rejectionOf,
  startLimitsFixture,
  type LimitsFixture,
} from "./limits-fixture";

let fx: LimitsFixture;
const T0 = Date.UTC(2026, 5, 15, 12);

beforeAll(async () => {
  fx = await startLimitsFixture();
});
afterAll(async () => {
  await fx?.stop();
});
beforeEach(async () => {
  await fx.reset({ keepScripts: true });
});

/** An admission on an injected clock whose background work is collected, so a test can await it. */
function instance(clock: () => number) {
  const pending: Promise<unknown>[] = [];
  const admission = createAdmission(fx.client, {
    failureMode: "closed",
    now: clock,
    timeoutMs: 10_000,
  });
  const admit = (tenant: ReturnType<typeof principal>, tokens: number) =>
    admission.admit(
      tenant,
      { tokens, inputs: 1 },
      { background: (w) => pending.push(w) },
    );
  const settle = async () => {
    while (pending.length > 0) await pending.shift();
  };
  return { admission: admission as Admission, admit, settle, pending };
}

/** Units counted in the per-minute windows (sum of the live one-second slots) and in the month. */
async function state(tenantId: string, month = "2026-06") {
  const sum = async (kind: string) => {
    const slots = await fx.direct.hgetall(`limits:${kind}-slots:${tenantId}`);
    return String(
      Object.values(slots).reduce((total, n) => total + Number(n), 0),
    );
  };
  return {
    requests: await sum("requests"),
    tokens: await sum("tokens"),
    month: await fx.direct.get(`limits:monthly-tokens:${tenantId}:${month}`),
  };
}

/** The one-second slot (as its hash field) that holds grants made at `ms`: ceil(ms / 1000). */
const slot = (ms: number) => String(Math.ceil(ms / 1000));

// Caps: requests 1000 -> 5, tokens 100,000 -> 500, month 1,000,000 -> 5000.
const PLAN = {
  requests_per_minute: 1_000,
  tokens_per_minute: 100_000,
  tokens_per_month: 1_000_000,
};

describe("grants and returns", () => {
  it("Redis holds exactly what was used plus what the isolate leases, and gets the rest back", async () => {
    let now = T0;
    const { admit, settle } = instance(() => now);
    const tenant = principal("t_lease", PLAN);

    // Cold: no recent rate, so an exact grant of the request alone.
    await admit(tenant, 10);
    expect(await state("t_lease")).toEqual({
      requests: "1",
      tokens: "10",
      month: "10",
    });
    expect(await fx.direct.hgetall("limits:requests-slots:t_lease")).toEqual({
      [slot(T0)]: "1",
    });
    fx.events.length = 0; // (the first test of the file also loaded the script: EVALSHA, then EVAL)

    // Second request: 1 request / 10 tokens seen in the last 2 s, so that much is leased on top.
    now = T0 + 100;
    const second = await admit(tenant, 10);
    expect(await state("t_lease")).toEqual({
      requests: "3",
      tokens: "30",
      month: "30",
    });
    expect(await fx.direct.hgetall("limits:requests-slots:t_lease")).toEqual({
      [slot(T0)]: "1",
      [slot(T0 + 100)]: "2",
    });
    // Headers: global remaining at the grant plus what this isolate holds (1000 - 2 used); the
    // window is whole again when the slot ending at T0 + 1 s leaves it: 60.9 s from now.
    expect(second.headers["x-ratelimit-remaining-requests"]).toBe("998");
    expect(second.headers["x-ratelimit-remaining-tokens"]).toBe("99980");
    expect(second.headers["x-ratelimit-reset-requests"]).toBe("1m0.9s");
    expect(second.headers["ratelimit"]).toBe(
      '"requests";r=998;t=61, "tokens";r=99980;t=61, "monthly-tokens";r=999980;t=1339200',
    );
    expect(fx.events).toHaveLength(1);

    // Third: served from the lease with no call on the request path; the lease is now empty
    // (below half of its new target, 3 requests / 30 tokens), so one top-up goes out in the background.
    now = T0 + 200;
    const third = await admit(tenant, 10);
    expect(third.headers["x-ratelimit-remaining-requests"]).toBe("997");
    expect(fx.events).toHaveLength(1);
    await settle();
    expect(fx.events.map((e) => e.commands)).toEqual([
      ["EVALSHA"],
      ["EVALSHA"],
    ]);
    expect(await state("t_lease")).toEqual({
      requests: "6",
      tokens: "60",
      month: "60",
    });

    // 10 s later the lease has expired: the next request waits, returns the 3 / 30 / 30 it
    // held (to the slot of its last grant) and takes exactly its own 1 / 10 / 10 (no recent
    // rate left): Redis counts 4 requests, 40 tokens.
    now = T0 + 10_201;
    await admit(tenant, 10);
    expect(await state("t_lease")).toEqual({
      requests: "4",
      tokens: "40",
      month: "40",
    });
    expect(await fx.direct.hgetall("limits:requests-slots:t_lease")).toEqual({
      [slot(T0)]: "1",
      [slot(T0 + 100)]: "2",
      [slot(T0 + 10_201)]: "1",
    });

    // A lease whose slot has left the window is not credited back to it (it no longer counts).
    now = T0 + 10_300;
    await admit(tenant, 10); // leases 1 / 10 / 10 more, in the same slot
    expect(await state("t_lease")).toEqual({
      requests: "6",
      tokens: "60",
      month: "60",
    });
    now = T0 + 72_000;
    await admit(tenant, 10);
    // Every earlier slot has left the window (and is deleted); the month got its 10 back.
    expect(await fx.direct.hgetall("limits:requests-slots:t_lease")).toEqual({
      [slot(T0 + 72_000)]: "1",
    });
    expect(await fx.direct.hgetall("limits:tokens-slots:t_lease")).toEqual({
      [slot(T0 + 72_000)]: "10",
    });
    expect(await fx.direct.get("limits:monthly-tokens:t_lease:2026-06")).toBe(
      "60",
    );
    await settle();
  });

  it("concurrent cold requests ask for one lease between them, not one each", async () => {
    let now = T0;
    const { admit, settle } = instance(() => now);
    const tenant = principal("t_burst", PLAN);
    await admit(tenant, 10);
    now += 100;
    // 20 at once with 1 request / 10 tokens of recent rate: 20 needs + one extra of 1 / 10 / 10.
    await Promise.all(Array.from({ length: 20 }, () => admit(tenant, 10)));
    await settle();
    expect(await state("t_burst")).toEqual({
      requests: String(21 + 1),
      tokens: String(210 + 10),
      month: String(210 + 10),
    });
  });
});

describe("top-ups", () => {
  it("at a steady 100 requests/s, every request after the second is served from the lease: top-ups land before it runs dry", async () => {
    let now = T0;
    const { admit, settle, pending } = instance(() => now);
    const tenant = principal("t_steady", {
      requests_per_minute: 6_000,
      tokens_per_minute: 1_000_000,
      tokens_per_month: 100_000_000,
    });
    const waited: number[] = [];
    let topUps = 0;
    for (let i = 0; i < 300; i++) {
      const before = fx.events.length;
      const result = await admit(tenant, 1);
      if (fx.events.length > before) waited.push(i);
      // Exact in one isolate: the local view is the global count.
      expect(result.headers["x-ratelimit-remaining-requests"]).toBe(
        String(6_000 - i - 1),
      );
      topUps += pending.length;
      await settle();
      now += 10;
    }
    // Only the cold request and the one that found its exact grant used up waited.
    expect(waited).toEqual([0, 1]);
    // The lease grows to its cap (0.5% of 6000 = 30) and is topped up at half used:
    // about one call per 15 requests once warm, far fewer than one per request.
    expect(topUps).toBeGreaterThan(0);
    expect(fx.events.length).toBe(2 + topUps);
    expect(fx.events.length).toBeLessThan(40);
    // Redis: 300 used plus at most the 30-request lease outstanding.
    const counted = Number((await state("t_steady")).requests);
    expect(counted - 300).toBeGreaterThanOrEqual(0);
    expect(counted - 300).toBeLessThanOrEqual(30);
  });
});

describe("requests over a limit on their own", () => {
  it("are refused at once without Redis and leave the lease as it was; one bigger than the lease waits for an exact grant", async () => {
    let now = T0;
    const { admit, settle } = instance(() => now);
    const tenant = principal("t_big", PLAN);
    for (let i = 0; i < 5; i++, now += 10) await admit(tenant, 10);
    await settle();
    const calls = fx.events.length;

    const error = await rejectionOf(admit(tenant, 100_001));
    expect(error).toBeInstanceOf(AdmissionError);
    expect((error as AdmissionError).status).toBe(429);
    expect((error as AdmissionError).body.message).toBe(
      "Request too large for tokens per min (TPM) in tenant t_big: Limit 100000, Requested 100001. The input must be reduced in order to run successfully.",
    );
    expect(fx.events).toHaveLength(calls);

    // Within the limit but above the lease cap (500 tokens): waits on one call, admitted exactly.
    const large = await admit(tenant, 20_000);
    expect(fx.events).toHaveLength(calls + 1);
    expect(large.headers["x-ratelimit-remaining-tokens"]).toBe(
      String(100_000 - 50 - 20_000),
    );
    await settle();
  });
});

describe("overshoot across isolates", () => {
  it("6 admission instances on one Redis, clocks up to 250 ms apart, hammering a 600 requests/min tenant: no 60 s admits more than 630", async () => {
    const tenant = principal("t_hammer", {
      requests_per_minute: 600,
      tokens_per_minute: 10_000_000,
      tokens_per_month: 1_000_000_000,
    });
    let reference = T0;
    const instances = Array.from({ length: 6 }, (_, i) =>
      instance(() => reference + i * 50),
    );
    const perSecond = new Map<number, number>();
    const STEP_MS = 200;
    for (let t = 0; t < 125_000; t += STEP_MS) {
      reference = T0 + t;
      const second = Math.floor(t / 1000);
      const tries = instances.flatMap((x) => [
        x.admit(tenant, 1),
        x.admit(tenant, 1),
      ]);
      for (const result of await Promise.allSettled(tries)) {
        if (result.status === "fulfilled")
          perSecond.set(second, (perSecond.get(second) ?? 0) + 1);
        else
          expect((result.reason as AdmissionError).body.code).toBe(
            "rate_limit_exceeded",
          );
      }
      await Promise.all(instances.map((x) => x.settle()));
    }
    const windows: number[] = [];
    for (let start = 0; start + 60 <= 125; start++) {
      let sum = 0;
      for (let s = start; s < start + 60; s++) sum += perSecond.get(s) ?? 0;
      windows.push(sum);
    }
    const max = Math.max(...windows);
    expect(max).toBeLessThanOrEqual(630);
    // The tenant did get its limit: leases parked in other instances do not starve it.
    expect(max).toBeGreaterThanOrEqual(600);
  }, 120_000);
});
