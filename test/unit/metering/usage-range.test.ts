// The `from`/`to` rules of the usage endpoints: calendar-valid UTC days, month to date
// by default, from <= to, at most 366 days; each refusal a 400 naming its param.
import { describe, expect, it } from "vitest";
import { ApiError } from "../../../workers/errors/api-error";
import { usageRangeFrom } from "../../../workers/metering/usage-range";
import {
  isUtcDay,
  newUsageEvent,
  parseUsageEvent,
  utcDay,
} from "../../../workers/metering/usage-event";

const TODAY = "2025-03-14";

function refusal(query: { from?: string; to?: string }) {
  try {
    usageRangeFrom(query, TODAY);
  } catch (error) {
    if (!(error instanceof ApiError)) throw error;
    return { status: error.status, ...error.body };
  }
  throw new Error(`accepted ${JSON.stringify(query)}`);
}

const badDate = (param: string) => ({
  status: 400,
  message: `Invalid '${param}': expected a UTC date written YYYY-MM-DD, e.g. 2025-01-31.`,
  type: "invalid_request_error",
  param,
  code: "invalid_date",
});

describe("usageRangeFrom", () => {
  it("defaults to month to date: the first of to's month through today", () => {
    expect(usageRangeFrom({}, TODAY)).toEqual({
      from: "2025-03-01",
      to: "2025-03-14",
    });
    expect(usageRangeFrom({ to: "2024-02-10" }, TODAY)).toEqual({
      from: "2024-02-01",
      to: "2024-02-10",
    });
    expect(usageRangeFrom({ from: "2025-01-20" }, TODAY)).toEqual({
      from: "2025-01-20",
      to: "2025-03-14",
    });
  });

  it("accepts one day, future days and exactly 366 days", () => {
    expect(
      usageRangeFrom({ from: "2025-03-14", to: "2025-03-14" }, TODAY),
    ).toEqual({ from: "2025-03-14", to: "2025-03-14" });
    expect(
      usageRangeFrom({ from: "2025-12-01", to: "2025-12-31" }, TODAY),
    ).toEqual({ from: "2025-12-01", to: "2025-12-31" });
    expect(
      usageRangeFrom({ from: "2024-01-01", to: "2024-12-31" }, TODAY),
    ).toEqual({ from: "2024-01-01", to: "2024-12-31" });
  });

  it.each([
    "2025-3-14",
    "20250314",
    "2025-02-29",
    "2025-13-01",
    "2025-00-10",
    "2025-04-31",
    "",
    "2025-03-14T00:00:00Z",
    " 2025-03-14",
    "today",
  ])("refuses %j as a date", (text) => {
    expect(refusal({ from: text, to: TODAY })).toEqual(badDate("from"));
    expect(refusal({ from: "2025-01-01", to: text })).toEqual(badDate("to"));
  });

  it("refuses from after to", () => {
    expect(refusal({ from: "2025-03-15", to: "2025-03-14" })).toEqual({
      status: 400,
      message: "'from' (2025-03-15) is after 'to' (2025-03-14).",
      type: "invalid_request_error",
      param: "from",
      code: "invalid_date_range",
    });
    expect(refusal({ from: "2025-04-01" })).toMatchObject({
      param: "from",
      code: "invalid_date_range",
    });
  });

  it("refuses more than 366 days", () => {
    expect(refusal({ from: "2024-01-01", to: "2025-01-01" })).toEqual({
      status: 400,
      message:
        "The range 2024-01-01 to 2025-01-01 spans 367 days; at most 366 can be read at once.",
      type: "invalid_request_error",
      param: "from",
      code: "invalid_date_range",
    });
  });
});

describe("usage events", () => {
  it("newUsageEvent stamps a fresh server-side id and the UTC day", () => {
    const at = new Date("2025-03-14T23:59:59.999-01:00"); // already the 15th in UTC
    const a = newUsageEvent(
      {
        tenantId: "ten_aaaaaaaaaaaaaaaa",
        inputs: 2,
        tokensComputed: 10,
        tokensCached: 5,
        gpuMs: 12.6,
        user: "u1",
      },
      at,
    );
    const b = newUsageEvent(
      {
        tenantId: "ten_aaaaaaaaaaaaaaaa",
        inputs: 2,
        tokensComputed: 10,
        tokensCached: 5,
        gpuMs: 12.4,
      },
      at,
    );
    expect(a).toEqual({
      event_id: expect.stringMatching(/^evt_[0-9a-f]{32}$/),
      tenant_id: "ten_aaaaaaaaaaaaaaaa",
      day: "2025-03-15",
      requests: 1,
      inputs: 2,
      tokens_computed: 10,
      tokens_cached: 5,
      gpu_ms: 13,
      user: "u1",
    });
    expect(b.gpu_ms).toBe(12);
    expect(b).not.toHaveProperty("user");
    expect(a.event_id).not.toBe(b.event_id);
    expect(parseUsageEvent(a)).toEqual(a);
  });

  it("parseUsageEvent refuses what is not an event", () => {
    const good = newUsageEvent({
      tenantId: "ten_aaaaaaaaaaaaaaaa",
      inputs: 1,
      tokensComputed: 1,
      tokensCached: 0,
      gpuMs: 1,
    });
    for (const bad of [
      null,
      "x",
      {},
      { ...good, tenant_id: "a:b" },
      { ...good, tenant_id: "ten_a" },
      { ...good, requests: "1" },
      { ...good, day: "2025-02-29" },
      { ...good, event_id: "a b" },
    ]) {
      expect(parseUsageEvent(bad)).toBeNull();
    }
  });

  it("isUtcDay and utcDay agree", () => {
    expect(utcDay(new Date(Date.UTC(2024, 1, 29, 12)))).toBe("2024-02-29");
    expect([
      isUtcDay("2024-02-29"),
      isUtcDay("2023-02-29"),
      isUtcDay("2024-2-29"),
    ]).toEqual([true, false, false]);
  });
});
