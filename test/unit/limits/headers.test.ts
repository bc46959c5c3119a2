// The header formats on their own: OpenAI's reset durations (Go time.Duration notation)
// and the IETF RateLimit-Policy / RateLimit structured fields.
import { describe, expect, it } from "vitest";
import {
  formatResetDuration,
  rateLimitHeaders,
  secondsUntil,
} from "../../../workers/limits/headers";
import { parseResetDuration } from "./limits-fixture";

describe("formatResetDuration", () => {
  it.each([
    [0, "0s"],
    [-5, "0s"],
    [0.2, "1ms"], // rounded up: a client must not come back early
    [1, "1ms"],
    [17, "17ms"],
    [999, "999ms"],
    [1_000, "1s"],
    [1_500, "1.5s"],
    [1_250, "1.25s"],
    [1_005, "1.005s"],
    [8_640, "8.64s"],
    [59_000, "59s"],
    [59_999, "59.999s"],
    [60_000, "1m0s"],
    [60_500, "1m0.5s"],
    [61_000, "1m1s"],
    [360_000, "6m0s"],
    [3_600_000, "1h0m0s"],
    [3_723_000, "1h2m3s"],
    [3_723_450, "1h2m3.45s"],
    [90_000_000, "25h0m0s"],
  ])("%d ms -> %s", (ms, text) => {
    expect(formatResetDuration(ms)).toBe(text);
  });

  it("round-trips through the test's parser for every millisecond up to two minutes", () => {
    for (let ms = 0; ms <= 120_000; ms += 7)
      expect(parseResetDuration(formatResetDuration(ms))).toBe(ms);
  });
});

describe("secondsUntil", () => {
  it("rounds up to whole seconds and never goes negative", () => {
    expect(secondsUntil(10_000, 0)).toBe(10);
    expect(secondsUntil(10_001, 0)).toBe(11);
    expect(secondsUntil(0, 5_000)).toBe(0);
  });
});

describe("rateLimitHeaders", () => {
  const now = { rate: 1_000_000, calendar: Date.UTC(2026, 5, 15, 12) };

  it("writes OpenAI's six headers and the IETF pair from the limiters' answers", () => {
    const headers = rateLimitHeaders(
      {
        requests: { limit: 600, remaining: 599, resetAt: now.rate + 12_000 },
        tokens: {
          limit: 1_000_000,
          remaining: 998_766,
          resetAt: now.rate + 360_000,
        },
        monthlyTokens: {
          limit: 50_000_000,
          remaining: 49_000_000,
          resetAt: Date.UTC(2026, 6, 1),
        },
      },
      now,
    );
    expect(headers).toEqual({
      "x-ratelimit-limit-requests": "600",
      "x-ratelimit-remaining-requests": "599",
      "x-ratelimit-reset-requests": "12s",
      "x-ratelimit-limit-tokens": "1000000",
      "x-ratelimit-remaining-tokens": "998766",
      "x-ratelimit-reset-tokens": "6m0s",
      "ratelimit-policy":
        '"requests";q=600;w=60, "tokens";q=1000000;qu="tokens";w=60, "monthly-tokens";q=50000000;qu="tokens"',
      // 15 June 12:00 UTC to 1 July 00:00 UTC is 15.5 days.
      ratelimit:
        '"requests";r=599;t=12, "tokens";r=998766;t=360, "monthly-tokens";r=49000000;t=1339200',
    });
  });

  it("states only the limits when the counts are unknown (Redis unreachable)", () => {
    const headers = rateLimitHeaders(
      {
        requests: { limit: 10 },
        tokens: { limit: 1_000 },
        monthlyTokens: { limit: 100_000 },
      },
      now,
    );
    expect(headers).toEqual({
      "x-ratelimit-limit-requests": "10",
      "x-ratelimit-limit-tokens": "1000",
      "ratelimit-policy":
        '"requests";q=10;w=60, "tokens";q=1000;qu="tokens";w=60, "monthly-tokens";q=100000;qu="tokens"',
    });
  });

  it("never reports negative remaining quota (a plan lowered below what was used)", () => {
    const headers = rateLimitHeaders(
      {
        requests: { limit: 10, remaining: 3, resetAt: now.rate + 1 },
        tokens: { limit: 1_000, remaining: 0, resetAt: now.rate + 17 },
        monthlyTokens: {
          limit: 100,
          remaining: -50,
          resetAt: Date.UTC(2026, 6, 1),
        },
      },
      now,
    );
    expect(headers["x-ratelimit-reset-tokens"]).toBe("17ms");
    expect(headers["ratelimit"]).toBe(
      '"requests";r=3;t=1, "tokens";r=0;t=1, "monthly-tokens";r=0;t=1339200',
    );
  });
});
