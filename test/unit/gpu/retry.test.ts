import { describe, expect, it } from "vitest";
import {
  BACKOFF_BASE_MS,
  BACKOFF_CAP_MS,
  backoffDelayMs,
  classifyStatus,
  retryAfterMs,
} from "../../../workers/gpu/retry";

describe("backoffDelayMs", () => {
  it("is full jitter over an exponential ceiling of 200 ms doubling up to 5 s", () => {
    expect([BACKOFF_BASE_MS, BACKOFF_CAP_MS]).toEqual([200, 5_000]);
    const almostOne = () => 0.999999;
    expect(
      [0, 1, 2, 3, 4, 5, 10].map((n) => backoffDelayMs(n, almostOne)),
    ).toEqual([199, 399, 799, 1599, 3199, 4999, 4999]);
    expect([0, 1, 2].map((n) => backoffDelayMs(n, () => 0.5))).toEqual([
      100, 200, 400,
    ]);
    expect(backoffDelayMs(3, () => 0)).toBe(0);
  });
});

describe("classifyStatus", () => {
  it("retries only endpoint health, tells refusals and engine failures apart, flags our credentials and wrong URLs", () => {
    const statuses = [
      400, 401, 403, 404, 405, 408, 413, 422, 424, 429, 500, 501, 502, 503, 504,
      507,
    ];
    expect(
      Object.fromEntries(statuses.map((s) => [s, classifyStatus(s)])),
    ).toEqual({
      400: "bad_request",
      401: "auth_rejected",
      403: "auth_rejected",
      404: "endpoint_fault",
      405: "endpoint_fault",
      408: "transient",
      413: "bad_request",
      422: "bad_request",
      424: "engine_error",
      429: "transient",
      500: "engine_error",
      501: "engine_error",
      502: "transient",
      503: "transient",
      504: "transient",
      507: "engine_error",
    });
  });
});

describe("retryAfterMs", () => {
  const now = Date.UTC(2026, 0, 15, 12, 0, 0);
  const parse = (init: Record<string, string>) =>
    retryAfterMs(new Headers(init), now);

  it("reads delta-seconds, fractional seconds and retry-after-ms (which wins)", () => {
    expect(parse({ "retry-after": "3" })).toBe(3_000);
    expect(parse({ "retry-after": " 0 " })).toBe(0);
    expect(parse({ "retry-after": "1.5" })).toBe(1_500);
    expect(parse({ "retry-after": "3", "retry-after-ms": "250" })).toBe(250);
  });

  it("reads an HTTP date relative to now, and a past date as no wait", () => {
    expect(parse({ "retry-after": "Thu, 15 Jan 2026 12:00:07 GMT" })).toBe(
      7_000,
    );
    expect(parse({ "retry-after": "Thu, 15 Jan 2026 11:59:00 GMT" })).toBe(0);
  });

  it("ignores absent and unparsable values", () => {
    expect(parse({})).toBeUndefined();
    expect(parse({ "retry-after": "soon" })).toBeUndefined();
    expect(parse({ "retry-after": "-5" })).toBeUndefined();
    expect(parse({ "retry-after-ms": "abc" })).toBeUndefined();
  });
});
