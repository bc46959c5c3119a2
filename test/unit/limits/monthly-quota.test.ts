// The monthly token quota against a real redis-server behind the bridge, with an
// injected calendar clock: exact counts, the UTC month rollover, what a quota refusal
// consumes, and settling requests admitted while Redis was away exactly once.
import { createHash } from "node:crypto";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import {
  createAdmission,
  type Admission,
} from "../../../workers/limits/admission";
import { AdmissionError } from "../../../workers/limits/admission-error";
import {
  CHARGE_ONCE_SCRIPT,
  CHARGE_ONCE_SCRIPT_SHA1,
  CONSUME_SCRIPT,
  CONSUME_SCRIPT_SHA1,
  nextUtcMonthStart,
  utcMonth,
} from "../../../workers/limits/monthly-quota";
import {
  LEASE_SCRIPT,
  LEASE_SCRIPT_SHA1,
} from "../../../workers/limits/lease-script";
import {
  principal,
  rejectionOf,
  startLimitsFixture,
  type LimitsFixture,
} from "./limits-fixture";

let fx: LimitsFixture;
let clock: number;
let admission: Admission;
const QUOTA_PLAN = {
  requests_per_minute: 100,
  tokens_per_minute: 10_000,
  tokens_per_month: 1_000,
};

beforeAll(async () => {
  fx = await startLimitsFixture();
  admission = createAdmission(fx.client, {
    failureMode: "open",
    now: () => clock,
  });
});
afterAll(async () => {
  await fx?.stop();
});
beforeEach(async () => {
  await fx.reset({ keepScripts: true });
});

async function quotaRefusal(
  promise: Promise<unknown>,
): Promise<AdmissionError> {
  const error = await rejectionOf(promise);
  expect(error).toBeInstanceOf(AdmissionError);
  expect((error as AdmissionError).body.type).toBe("insufficient_quota");
  return error as AdmissionError;
}

describe("the calendar", () => {
  it("months are UTC calendar months", () => {
    expect(utcMonth(Date.UTC(2027, 0, 31, 23, 59, 59, 999))).toBe("2027-01");
    expect(utcMonth(Date.UTC(2027, 1, 1))).toBe("2027-02");
    expect(nextUtcMonthStart(Date.UTC(2027, 11, 15))).toBe(
      Date.UTC(2028, 0, 1),
    );
    expect(nextUtcMonthStart(Date.UTC(2028, 1, 29, 12))).toBe(
      Date.UTC(2028, 2, 1),
    );
  });

  it("the scripts' fixed SHA-1s are theirs (EVALSHA would otherwise always fall back to EVAL)", () => {
    expect(createHash("sha1").update(CONSUME_SCRIPT).digest("hex")).toBe(
      CONSUME_SCRIPT_SHA1,
    );
    expect(createHash("sha1").update(CHARGE_ONCE_SCRIPT).digest("hex")).toBe(
      CHARGE_ONCE_SCRIPT_SHA1,
    );
    expect(createHash("sha1").update(LEASE_SCRIPT).digest("hex")).toBe(
      LEASE_SCRIPT_SHA1,
    );
  });
});

describe("monthly token quota", () => {
  it("is exact (600 ok, 400 ok, 1 refused) and starts again on the 1st of the month, UTC", async () => {
    const tenant = principal("t_month", QUOTA_PLAN);
    clock = Date.UTC(2027, 0, 31, 23, 59, 59, 500);
    expect(
      (await admission.admit(tenant, { tokens: 600, inputs: 1 })).headers[
        "ratelimit"
      ],
    ).toMatch(/"monthly-tokens";r=400;t=1$/);
    expect(
      (await admission.admit(tenant, { tokens: 400, inputs: 1 })).headers[
        "ratelimit"
      ],
    ).toMatch(/"monthly-tokens";r=0;t=1$/);

    const error = await quotaRefusal(
      admission.admit(tenant, { tokens: 1, inputs: 1 }),
    );
    expect(error.status).toBe(429);
    expect(error.body).toEqual({
      type: "insufficient_quota",
      code: "insufficient_quota",
      param: null,
      message:
        "You exceeded your current quota, please check your plan and billing details. Tenant t_month has used 1000 of 1000 tokens" +
        " this month (UTC) and this request needs 1. The quota resets at 2027-02-01T00:00:00.000Z.",
    });
    const response = error.getResponse();
    // An exhausted quota is final for the SDKs (issue 10 item 5): no Retry-After, even when
    // the month turns 500 ms later; the reset time is in the message and RateLimit header.
    expect(response.headers.get("retry-after")).toBeNull();
    expect(response.headers.get("retry-after-ms")).toBeNull();
    expect(response.headers.get("x-should-retry")).toBe("false");
    // The refusal took nothing from the per-minute limits either.
    expect(error.headers["x-ratelimit-remaining-requests"]).toBe("98");
    expect(error.headers["x-ratelimit-remaining-tokens"]).toBe("9000");
    // Per-minute limits count in one-second slots: the grants at 23:59:59.500 sit in the slot
    // ending at 00:00:00, which leaves the window 60 s after that, 60.5 s from now.
    expect(error.headers["ratelimit"]).toBe(
      '"requests";r=98;t=61, "tokens";r=9000;t=61, "monthly-tokens";r=0;t=1',
    );

    clock = Date.UTC(2027, 1, 1);
    const february = await admission.admit(tenant, { tokens: 1, inputs: 1 });
    // February has 28 days in 2027: 2,419,200 s until 1 March.
    expect(february.headers["ratelimit"]).toMatch(
      /"monthly-tokens";r=999;t=2419200$/,
    );
    expect(await fx.direct.get("limits:monthly-tokens:t_month:2027-01")).toBe(
      "1000",
    );
    // 1 used plus the lease this isolate now holds: 0.5% of the 1000-token quota = 5 tokens
    // (it had admitted 1000 tokens within the last 2 s, more than the cap).
    expect(await fx.direct.get("limits:monthly-tokens:t_month:2027-02")).toBe(
      "6",
    );
    // Counters are kept 31 days past their month, measured on the caller's clock.
    expect(await fx.direct.ttl("limits:monthly-tokens:t_month:2027-02")).toBe(
      2_419_200 + 31 * 86_400,
    );
  });

  it("a request that does not fit in what is left is refused and takes nothing; a smaller one then fits", async () => {
    const tenant = principal("t_left", QUOTA_PLAN);
    clock = Date.UTC(2027, 5, 10);
    await admission.admit(tenant, { tokens: 900, inputs: 1 });
    const error = await quotaRefusal(
      admission.admit(tenant, { tokens: 200, inputs: 1 }),
    );
    expect(error.body.message).toContain(
      "has used 900 of 1000 tokens this month (UTC) and this request needs 200.",
    );
    expect(await fx.direct.get("limits:monthly-tokens:t_left:2027-06")).toBe(
      "900",
    );
    expect(
      (await admission.admit(tenant, { tokens: 100, inputs: 1 })).headers[
        "ratelimit"
      ],
    ).toMatch(/"monthly-tokens";r=0;t=\d+$/);
    expect(await fx.direct.get("limits:monthly-tokens:t_left:2027-06")).toBe(
      "1000",
    );
  });

  it("a request larger than the whole monthly quota is refused without a Redis call or Retry-After", async () => {
    clock = Date.UTC(2027, 5, 10);
    const error = await quotaRefusal(
      admission.admit(
        principal("t_whole", { ...QUOTA_PLAN, tokens_per_minute: 5_000 }),
        { tokens: 1_001, inputs: 1 },
      ),
    );
    expect(error.body.message).toBe(
      "You exceeded your current quota, please check your plan and billing details. This request needs 1001 tokens, more than the monthly quota of 1000 tokens of tenant t_whole.",
    );
    expect(error.getResponse().headers.get("retry-after")).toBeNull();
    expect(fx.events).toHaveLength(0);
  });

  it("settleDegraded charges a degraded request to its month once per event id", async () => {
    clock = Date.UTC(2027, 2, 5);
    const admittedAt = Date.UTC(2027, 1, 27);
    expect(
      await admission.settleDegraded("t_settle", 250, admittedAt, "evt_1"),
    ).toBe(true);
    expect(
      await admission.settleDegraded("t_settle", 250, admittedAt, "evt_1"),
    ).toBe(false);
    expect(
      await admission.settleDegraded("t_settle", 50, admittedAt, "evt_2"),
    ).toBe(true);
    expect(await fx.direct.get("limits:monthly-tokens:t_settle:2027-02")).toBe(
      "300",
    );
    expect(
      await fx.direct.exists("limits:monthly-tokens:t_settle:2027-03"),
    ).toBe(0);
    // February's counter is kept 31 days after 1 March, counted from the clock's 5 March.
    expect(await fx.direct.ttl("limits:monthly-tokens:t_settle:2027-02")).toBe(
      27 * 86_400,
    );
  });
});
