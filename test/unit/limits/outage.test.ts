// Redis unreachable: stalled (no answer within the budget) or stopped (the bridge
// answers 503). "open" admits, marks the result degraded and logs one warning;
// "closed" answers 503 rate_limiter_unavailable. Headers then state the limits only.
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { createAdmission } from "../../../workers/limits/admission";
import { AdmissionError } from "../../../workers/limits/admission-error";
import { BRIDGE_TOKEN } from "../../support/cache-stack";
import {
  principal,
  rejectionOf,
  startLimitsFixture,
  type LimitsFixture,
} from "./limits-fixture";

let fx: LimitsFixture;

beforeAll(async () => {
  // DEBUG SLEEP stands in for a stalled Redis; Redis 7 only allows DEBUG when enabled.
  fx = await startLimitsFixture(["--enable-debug-command", "yes"]);
});
afterAll(async () => {
  await fx?.stop();
});

const LIMITS_ONLY = {
  "x-ratelimit-limit-requests": "10",
  "x-ratelimit-limit-tokens": "1000",
  "ratelimit-policy":
    '"requests";q=10;w=60, "tokens";q=1000;qu="tokens";w=60, "monthly-tokens";q=100000;qu="tokens"',
};

function setup(failureMode: "open" | "closed") {
  const logs: Record<string, unknown>[] = [];
  const admission = createAdmission(fx.client, {
    failureMode,
    timeoutMs: 200,
    log: (entry) => logs.push(entry),
  });
  return { admission, logs };
}

async function unavailable(promise: Promise<unknown>): Promise<AdmissionError> {
  const error = await rejectionOf(promise);
  expect(error).toBeInstanceOf(AdmissionError);
  return error as AdmissionError;
}

function expect503(error: AdmissionError): void {
  expect(error.status).toBe(503);
  expect(error.body).toEqual({
    type: "server_error",
    code: "rate_limiter_unavailable",
    param: null,
    message:
      "The rate limiter is temporarily unavailable, so this request was not processed. Please retry after a short wait.",
  });
  expect(error.headers).toEqual(LIMITS_ONLY);
  const response = error.getResponse();
  expect(response.headers.get("retry-after")).toBe("5");
  expect(response.headers.get("retry-after-ms")).toBe("5000");
  expect(response.headers.get("ratelimit-policy")).toBe(
    LIMITS_ONLY["ratelimit-policy"],
  );
  expect(response.headers.get("x-ratelimit-remaining-requests")).toBeNull();
}

describe("Redis stalled past the time budget", () => {
  it("open: admitted within the budget, degraded, one warning with cause timeout", async () => {
    const { admission, logs } = setup("open");
    // Scripts loaded, connection warm; with a generous budget, so that a busy machine's cold start is not taken for the stall.
    await createAdmission(fx.client, {
      failureMode: "closed",
      timeoutMs: 10_000,
    }).admit(principal("t_warm"), { tokens: 1, inputs: 1 });
    const sleeping = fx.direct.call("DEBUG", "SLEEP", "1.5");
    await new Promise((resolve) => setTimeout(resolve, 50));
    const started = Date.now();
    const result = await admission.admit(principal("t_stall"), {
      tokens: 5,
      inputs: 1,
    });
    expect(Date.now() - started).toBeLessThan(1_000);
    expect(result).toEqual({ degraded: true, headers: LIMITS_ONLY });
    expect(logs).toEqual([
      {
        level: "warn",
        event: "rate_limiter_unavailable",
        tenantId: "t_stall",
        failureMode: "open",
        cause: "timeout",
      },
    ]);
    await sleeping;
  });

  it("closed: 503 rate_limiter_unavailable with Retry-After", async () => {
    const { admission, logs } = setup("closed");
    const sleeping = fx.direct.call("DEBUG", "SLEEP", "1.5");
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect503(
      await unavailable(
        admission.admit(principal("t_stall_closed"), { tokens: 5, inputs: 1 }),
      ),
    );
    expect(logs).toEqual([
      {
        level: "warn",
        event: "rate_limiter_unavailable",
        tenantId: "t_stall_closed",
        failureMode: "closed",
        cause: "timeout",
      },
    ]);
    await sleeping;
  });
});

describe("Redis stopped", () => {
  it("open: admitted and degraded; closed: 503; both log the failure without secrets; back to normal after a restart", async () => {
    await fx.redisServer.stop();
    fx.events.length = 0;

    const open = setup("open");
    const result = await open.admission.admit(principal("t_down"), {
      tokens: 5,
      inputs: 1,
    });
    expect(result).toEqual({ degraded: true, headers: LIMITS_ONLY });
    expect(open.logs).toEqual([
      {
        level: "warn",
        event: "rate_limiter_unavailable",
        tenantId: "t_down",
        failureMode: "open",
        cause: "error",
        error: "UpstashError",
      },
    ]);
    // The bridge answered the one pipelined call with 503.
    expect(fx.events.map((e) => e.status)).toEqual([503]);

    const closed = setup("closed");
    expect503(
      await unavailable(
        closed.admission.admit(principal("t_down"), { tokens: 5, inputs: 1 }),
      ),
    );
    expect(closed.logs).toEqual([
      {
        level: "warn",
        event: "rate_limiter_unavailable",
        tenantId: "t_down",
        failureMode: "closed",
        cause: "error",
        error: "UpstashError",
      },
    ]);

    // The default sink is one JSON line on console.warn, with no token in it.
    const warn = vi.spyOn(console, "warn").mockImplementation(() => undefined);
    try {
      await createAdmission(fx.client, {
        failureMode: "open",
        timeoutMs: 200,
      }).admit(principal("t_down"), { tokens: 5, inputs: 1 });
      expect(warn).toHaveBeenCalledTimes(1);
      const line = String(warn.mock.calls[0]?.[0]);
      expect(JSON.parse(line)).toEqual({
        level: "warn",
        event: "rate_limiter_unavailable",
        tenantId: "t_down",
        failureMode: "open",
        cause: "error",
        error: "UpstashError",
      });
      expect(line).not.toContain(BRIDGE_TOKEN);
    } finally {
      warn.mockRestore();
    }

    await fx.redisServer.restart();
    const deadline = Date.now() + 10_000;
    let after = await open.admission.admit(principal("t_back"), {
      tokens: 5,
      inputs: 1,
    });
    while (after.degraded && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      after = await open.admission.admit(principal("t_back"), {
        tokens: 5,
        inputs: 1,
      });
    }
    expect(after.degraded).toBe(false);
    expect(after.headers["x-ratelimit-remaining-requests"]).toMatch(/^\d$/);
  });
});
