/**
 * The rate-limit response headers, in the two vocabularies clients read:
 *
 * - OpenAI's `x-ratelimit-{limit,remaining,reset}-{requests,tokens}`, so code written
 *   against api.openai.com (and its SDKs' backoff helpers) works unchanged. OpenAI
 *   documents `x-ratelimit-reset-requests: 1s` and `x-ratelimit-reset-tokens: 6m0s` as
 *   "the time until the rate limit resets to its initial state"
 *   (platform.openai.com/docs/guides/rate-limits, "Rate limits in headers"), and sends
 *   sub-second values such as `12ms`: Go's `time.Duration` notation, which is also
 *   how client libraries parse it (e.g. go-openai uses `time.ParseDuration`).
 * - The IETF `RateLimit-Policy` and `RateLimit` fields of
 *   draft-ietf-httpapi-ratelimit-headers-11 (23 May 2026): Structured Field lists of
 *   quoted policy names with `q` (quota), `qu` (quota unit), `w` (window, seconds) and
 *   `r` (available quota), `t` (effective window, seconds).
 *
 * Values come from admission's view of each limit (limit, remaining, reset as a ms
 * epoch; with leases, remaining is approximate: see admission.ts); this module only
 * formats them.
 */

/** One policy's state as the response reports it. `remaining`/`resetAt` absent: unknown (Redis unreachable). */
export interface LimitSnapshot {
  limit: number;
  remaining?: number;
  /** ms since the epoch at which the limit is back to `limit`. */
  resetAt?: number;
}

export interface AdmissionSnapshot {
  requests: LimitSnapshot;
  tokens: LimitSnapshot;
  monthlyTokens: LimitSnapshot;
}

/** IETF policy names; the monthly quota has no fixed `w` because calendar months differ in length. */
export const POLICY = {
  requests: "requests",
  tokens: "tokens",
  monthlyTokens: "monthly-tokens",
} as const;

const MS_PER_SECOND = 1_000;
const MS_PER_MINUTE = 60_000;
const MS_PER_HOUR = 3_600_000;

/**
 * A duration in Go's `time.Duration.String()` form at millisecond precision, as OpenAI
 * writes its reset headers: `0s`, `17ms`, `1s`, `1.5s`, `59s`, `1m0s`, `6m0s`,
 * `1h2m3s`, `1h0m0.25s`. Rounded up to whole milliseconds: a client that waits the
 * stated time must never arrive early.
 */
export function formatResetDuration(ms: number): string {
  const total = Number.isFinite(ms) ? Math.max(0, Math.ceil(ms)) : 0;
  if (total === 0) return "0s";
  if (total < MS_PER_SECOND) return `${total}ms`;
  const hours = Math.floor(total / MS_PER_HOUR);
  const minutes = Math.floor((total % MS_PER_HOUR) / MS_PER_MINUTE);
  const seconds = Math.floor((total % MS_PER_MINUTE) / MS_PER_SECOND);
  const millis = total % MS_PER_SECOND;
  // Go prints the fraction without trailing zeros: 1.5s, 1.25s, 1.125s.
  const fraction =
    millis === 0
      ? ""
      : `.${String(millis).padStart(3, "0").replace(/0+$/, "")}`;
  let out = "";
  if (hours > 0) out += `${hours}h`;
  if (hours > 0 || minutes > 0) out += `${minutes}m`;
  return `${out}${seconds}${fraction}s`;
}

/** Whole seconds until `resetAt`, rounded up (delay-seconds, as `t` and Retry-After want). */
export function secondsUntil(resetAt: number, now: number): number {
  return Math.max(0, Math.ceil((resetAt - now) / MS_PER_SECOND));
}

/**
 * `RateLimit-Policy`. Token policies carry `qu="tokens"`: without `qu` the draft's
 * default unit is requests, which would misstate a token quota as a request quota.
 * "tokens" is not (yet) in the draft's quota-unit registry; a client that only knows
 * registered units will ignore these two items rather than misread them.
 */
export function rateLimitPolicyField(snapshot: AdmissionSnapshot): string {
  return [
    `"${POLICY.requests}";q=${snapshot.requests.limit};w=60`,
    `"${POLICY.tokens}";q=${snapshot.tokens.limit};qu="tokens";w=60`,
    `"${POLICY.monthlyTokens}";q=${snapshot.monthlyTokens.limit};qu="tokens"`,
  ].join(", ");
}

/** `RateLimit`: only policies whose current state is known are listed (the draft allows omitting any). */
export function rateLimitField(
  snapshot: AdmissionSnapshot,
  now: { rate: number; calendar: number },
): string | undefined {
  const items: string[] = [];
  const add = (name: string, s: LimitSnapshot, at: number) => {
    if (s.remaining === undefined || s.resetAt === undefined) return;
    items.push(
      `"${name}";r=${Math.max(0, Math.floor(s.remaining))};t=${secondsUntil(s.resetAt, at)}`,
    );
  };
  add(POLICY.requests, snapshot.requests, now.rate);
  add(POLICY.tokens, snapshot.tokens, now.rate);
  add(POLICY.monthlyTokens, snapshot.monthlyTokens, now.calendar);
  return items.length > 0 ? items.join(", ") : undefined;
}

/**
 * All rate-limit headers for one response. `now.rate` is the clock the per-minute
 * resets were computed with; `now.calendar` is the clock of the monthly quota (admission
 * passes its one injectable clock for both).
 */
export function rateLimitHeaders(
  snapshot: AdmissionSnapshot,
  now: { rate: number; calendar: number },
): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const [suffix, s] of [
    ["requests", snapshot.requests],
    ["tokens", snapshot.tokens],
  ] as const) {
    headers[`x-ratelimit-limit-${suffix}`] = String(s.limit);
    if (s.remaining !== undefined)
      headers[`x-ratelimit-remaining-${suffix}`] = String(
        Math.max(0, Math.floor(s.remaining)),
      );
    if (s.resetAt !== undefined)
      headers[`x-ratelimit-reset-${suffix}`] = formatResetDuration(
        s.resetAt - now.rate,
      );
  }
  headers["ratelimit-policy"] = rateLimitPolicyField(snapshot);
  const current = rateLimitField(snapshot, now);
  if (current !== undefined) headers["ratelimit"] = current;
  return headers;
}
