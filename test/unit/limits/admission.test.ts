// Admission against a real redis-server behind the Upstash REST bridge: exact request
// and token limits, what a refusal consumes, tenant isolation, the headers of admitted
// and refused requests, and how many HTTP calls each admission costs.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { ApiError } from "../../../workers/errors/api-error";
import {
  createAdmission,
  type Admission,
} from "../../../workers/limits/admission";
import { AdmissionError } from "../../../workers/limits/admission-error";
import {
  parseResetDuration,
  principal,
  rejectionOf,
  startLimitsFixture,
  type LimitsFixture,
} from "./limits-fixture";

let fx: LimitsFixture;
let admission: Admission;
// A fixed calendar instant: 15 June 2026 12:00 UTC, 1,339,200 s before 1 July.
const NOW = Date.UTC(2026, 5, 15, 12);
/** The one-second slot of NOW in the per-minute limits' hashes. */
const SLOT = String(NOW / 1000);
const POLICY =
  '"requests";q=10;w=60, "tokens";q=1000;qu="tokens";w=60, "monthly-tokens";q=100000;qu="tokens"';

beforeAll(async () => {
  fx = await startLimitsFixture();
  admission = createAdmission(fx.client, {
    failureMode: "open",
    now: () => NOW,
  });
});
afterAll(async () => {
  await fx?.stop();
});
beforeEach(async () => {
  await fx.reset({ keepScripts: true });
});

/** A reset header: a Go duration within the one-minute window, not yet elapsed. */
function expectMinuteReset(value: string | undefined): void {
  const ms = parseResetDuration(value ?? "missing");
  expect(ms).toBeGreaterThan(55_000);
  expect(ms).toBeLessThanOrEqual(60_000);
}

async function refusal(promise: Promise<unknown>): Promise<AdmissionError> {
  const error = await rejectionOf(promise);
  expect(error).toBeInstanceOf(AdmissionError);
  return error as AdmissionError;
}

describe("requests per minute", () => {
  it("with 10 requests/minute, exactly 10 of 15 fast calls pass and the rest get 429 with headers", async () => {
    const tenant = principal("t_rpm");
    const passed: Record<string, string>[] = [];
    const refused: AdmissionError[] = [];
    for (let i = 0; i < 15; i++) {
      try {
        passed.push(
          (await admission.admit(tenant, { tokens: 5, inputs: 1 })).headers,
        );
      } catch (error) {
        refused.push(error as AdmissionError);
      }
    }
    expect(passed).toHaveLength(10);
    expect(refused).toHaveLength(5);

    passed.forEach((headers, i) => {
      expect(headers["x-ratelimit-limit-requests"]).toBe("10");
      expect(headers["x-ratelimit-remaining-requests"]).toBe(String(9 - i));
      expect(headers["x-ratelimit-limit-tokens"]).toBe("1000");
      expect(headers["x-ratelimit-remaining-tokens"]).toBe(String(995 - 5 * i));
      expectMinuteReset(headers["x-ratelimit-reset-requests"]);
      expectMinuteReset(headers["x-ratelimit-reset-tokens"]);
      expect(headers["ratelimit-policy"]).toBe(POLICY);
      expect(headers["ratelimit"]).toMatch(
        new RegExp(
          `^"requests";r=${9 - i};t=(59|60), "tokens";r=${995 - 5 * i};t=(59|60), "monthly-tokens";r=${99_995 - 5 * i};t=1339200$`,
        ),
      );
      expect(Object.keys(headers)).toHaveLength(8);
    });

    for (const error of refused) {
      expect(error.status).toBe(429);
      expect(error.body).toEqual({
        type: "rate_limit_exceeded",
        code: "rate_limit_exceeded",
        param: null,
        message: expect.stringMatching(
          /^Rate limit reached for requests per min \(RPM\) in tenant t_rpm: Limit 10, Used 10, Requested 1\. Please try again in (59(\.\d+)?s|1m0s)\.$/,
        ),
      });
      // A refused request took nothing: tokens stay at 1000 - 10 * 5, the month at 50 used.
      expect(error.headers["x-ratelimit-remaining-requests"]).toBe("0");
      expect(error.headers["x-ratelimit-remaining-tokens"]).toBe("950");
      expectMinuteReset(error.headers["x-ratelimit-reset-requests"]);
      expect(error.headers["ratelimit-policy"]).toBe(POLICY);
      expect(error.headers["ratelimit"]).toMatch(
        /^"requests";r=0;t=(59|60), "tokens";r=950;t=(59|60), "monthly-tokens";r=99950;t=1339200$/,
      );

      const response = error.getResponse();
      expect(response.status).toBe(429);
      expect(
        Number(response.headers.get("retry-after")),
      ).toBeGreaterThanOrEqual(59);
      expect(Number(response.headers.get("retry-after"))).toBeLessThanOrEqual(
        60,
      );
      const retryAfterMs = Number(response.headers.get("retry-after-ms"));
      expect(retryAfterMs).toBeGreaterThan(55_000);
      expect(retryAfterMs).toBeLessThanOrEqual(60_000);
      for (const [name, value] of Object.entries(error.headers))
        expect(response.headers.get(name)).toBe(value);
      expect(await response.json()).toEqual({ error: error.body });
    }
    // What Redis holds agrees: 10 requests and 50 tokens taken, 50 tokens in the month.
    // (Per-minute limits are one-second slots of a sliding window: all of this happened in NOW's slot.)
    expect(await fx.direct.hgetall("limits:requests-slots:t_rpm")).toEqual({
      [SLOT]: "10",
    });
    expect(await fx.direct.hgetall("limits:tokens-slots:t_rpm")).toEqual({
      [SLOT]: "50",
    });
    expect(await fx.direct.get("limits:monthly-tokens:t_rpm:2026-06")).toBe(
      "50",
    );
  });

  it("15 concurrent calls: exactly 10 pass, and all 15 checks travel in one HTTP call", async () => {
    const tenant = principal("t_burst");
    const results = await Promise.allSettled(
      Array.from({ length: 15 }, () =>
        admission.admit(tenant, { tokens: 1, inputs: 1 }),
      ),
    );
    const fulfilled = results.filter((r) => r.status === "fulfilled");
    const rejected = results.flatMap((r) =>
      r.status === "rejected" ? [r.reason as AdmissionError] : [],
    );
    expect(fulfilled).toHaveLength(10);
    expect(rejected.map((e) => e.body.code)).toEqual(
      Array(5).fill("rate_limit_exceeded"),
    );
    const remaining = fulfilled
      .map((r) => Number(r.value.headers["x-ratelimit-remaining-requests"]))
      .sort((a, b) => a - b);
    expect(remaining).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    // One lease script per admission (all three limits), all in the first call; a refusal took nothing, so nothing follows.
    expect(fx.events).toEqual([
      {
        method: "POST",
        path: "/pipeline",
        status: 200,
        commands: Array(15).fill("EVALSHA"),
        syncToken: expect.anything(),
      },
    ]);
  });

  it("tenants are isolated: A exhausting its limit does not affect B", async () => {
    const a = principal("t_a");
    const b = principal("t_b");
    for (let i = 0; i < 10; i++)
      await admission.admit(a, { tokens: 1, inputs: 1 });
    await refusal(admission.admit(a, { tokens: 1, inputs: 1 }));
    const headers = (await admission.admit(b, { tokens: 1, inputs: 1 }))
      .headers;
    expect(headers["x-ratelimit-remaining-requests"]).toBe("9");
    expect(headers["x-ratelimit-remaining-tokens"]).toBe("999");
    // And B's plan is B's own: a tenant with a bigger plan gets its own numbers.
    const big = principal("t_big", { requests_per_minute: 600 });
    expect(
      (await admission.admit(big, { tokens: 1, inputs: 1 })).headers[
        "x-ratelimit-remaining-requests"
      ],
    ).toBe("599");
  });
});

describe("tokens per minute", () => {
  it("is enforced on exact counts: 600 ok, 500 refused, 400 ok, 1 refused", async () => {
    const tenant = principal("t_tpm", { requests_per_minute: 100 });
    const first = await admission.admit(tenant, { tokens: 600, inputs: 1 });
    expect(first.headers["x-ratelimit-remaining-tokens"]).toBe("400");

    const tooMany = await refusal(
      admission.admit(tenant, { tokens: 500, inputs: 1 }),
    );
    expect(tooMany.body.type).toBe("rate_limit_exceeded");
    expect(tooMany.body.message).toMatch(
      /^Rate limit reached for tokens per min \(TPM\) in tenant t_tpm: Limit 1000, Used 600, Requested 500\. Please try again in (59(\.\d+)?s|1m0s)\.$/,
    );
    // Refused on tokens: nothing was taken, and the request slot was given back.
    expect(tooMany.headers["x-ratelimit-remaining-tokens"]).toBe("400");
    expect(tooMany.headers["x-ratelimit-remaining-requests"]).toBe("99");
    expectMinuteReset(tooMany.headers["x-ratelimit-reset-tokens"]);

    const exact = await admission.admit(tenant, { tokens: 400, inputs: 1 });
    expect(exact.headers["x-ratelimit-remaining-tokens"]).toBe("0");
    expect(exact.headers["x-ratelimit-remaining-requests"]).toBe("98");

    const one = await refusal(
      admission.admit(tenant, { tokens: 1, inputs: 1 }),
    );
    expect(one.body.message).toContain("Limit 1000, Used 1000, Requested 1.");
    expect(one.headers["x-ratelimit-remaining-tokens"]).toBe("0");
    expect(await fx.direct.get("limits:monthly-tokens:t_tpm:2026-06")).toBe(
      "1000",
    );
    expect(await fx.direct.hgetall("limits:requests-slots:t_tpm")).toEqual({
      [SLOT]: "2",
    });
  });

  it("a request refused on requests uses no token capacity and no quota", async () => {
    const tenant = principal("t_norefund", { requests_per_minute: 2 });
    await admission.admit(tenant, { tokens: 100, inputs: 1 });
    await admission.admit(tenant, { tokens: 100, inputs: 1 });
    const error = await refusal(
      admission.admit(tenant, { tokens: 300, inputs: 1 }),
    );
    expect(error.body.message).toContain("requests per min (RPM)");
    expect(error.headers["x-ratelimit-remaining-tokens"]).toBe("800");
    expect(await fx.direct.hgetall("limits:tokens-slots:t_norefund")).toEqual({
      [SLOT]: "200",
    });
    expect(
      await fx.direct.get("limits:monthly-tokens:t_norefund:2026-06"),
    ).toBe("200");
  });

  it("a request larger than the per-minute limit is refused at once, without Redis and without Retry-After", async () => {
    const error = await refusal(
      admission.admit(principal("t_huge"), { tokens: 1_001, inputs: 1 }),
    );
    expect(error.body).toEqual({
      type: "rate_limit_exceeded",
      code: "rate_limit_exceeded",
      param: null,
      message:
        "Request too large for tokens per min (TPM) in tenant t_huge: Limit 1000, Requested 1001. The input must be reduced in order to run successfully.",
    });
    expect(error.headers).toEqual({
      "x-ratelimit-limit-requests": "10",
      "x-ratelimit-limit-tokens": "1000",
      "ratelimit-policy": POLICY,
    });
    expect(error.getResponse().headers.get("retry-after")).toBeNull();
    expect(fx.events).toHaveLength(0);
  });
});

describe("max inputs per request", () => {
  it("is checked first: 400 on param input, no Redis call", async () => {
    const tenant = principal("t_inputs", { max_inputs_per_request: 16 });
    const error = await rejectionOf(
      admission.admit(tenant, { tokens: 17, inputs: 17 }),
    );
    expect(error).toBeInstanceOf(ApiError);
    expect(error).not.toBeInstanceOf(AdmissionError);
    expect((error as ApiError).status).toBe(400);
    expect((error as ApiError).body).toEqual({
      type: "invalid_request_error",
      code: null,
      param: "input",
      message:
        "This request has 17 inputs; your plan allows at most 16 per request.",
    });
    expect(fx.events).toHaveLength(0);
    expect(
      (await admission.admit(tenant, { tokens: 16, inputs: 16 })).degraded,
    ).toBe(false);
  });
});

describe("round trips", () => {
  it("a cold admission costs one HTTP call: one EVALSHA grants all three limits", async () => {
    const tenant = principal("t_trips");
    await admission.admit(tenant, { tokens: 3, inputs: 1 });
    expect(fx.events).toEqual([
      {
        method: "POST",
        path: "/pipeline",
        status: 200,
        commands: ["EVALSHA"],
        syncToken: expect.anything(),
      },
    ]);
    fx.events.length = 0;
    await admission.admit(tenant, { tokens: 3, inputs: 1 });
    expect(fx.events).toHaveLength(1);
  });

  it("with Redis's script cache empty, the first admission loads the scripts: two calls, then one", async () => {
    await fx.reset();
    const tenant = principal("t_cold");
    await admission.admit(tenant, { tokens: 3, inputs: 1 });
    expect(fx.events.map((e) => [e.path, e.commands])).toEqual([
      ["/pipeline", ["EVALSHA"]],
      ["/pipeline", ["EVAL"]],
    ]);
    fx.events.length = 0;
    const second = await admission.admit(tenant, { tokens: 3, inputs: 1 });
    expect(second.headers["x-ratelimit-remaining-tokens"]).toBe("994");
    expect(fx.events.map((e) => e.commands)).toEqual([["EVALSHA"]]);
  });

  it("a refusal costs no second call: the lease script refuses all-or-nothing, so there is nothing to give back", async () => {
    const tenant = principal("t_refusal_trips", { requests_per_minute: 1 });
    await admission.admit(tenant, { tokens: 3, inputs: 1 });
    fx.events.length = 0;
    await refusal(admission.admit(tenant, { tokens: 3, inputs: 1 }));
    expect(fx.events.map((e) => e.commands)).toEqual([["EVALSHA"]]);
  });
});
