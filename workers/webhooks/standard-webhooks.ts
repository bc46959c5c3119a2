/**
 * Standard Webhooks (standardwebhooks.com) signatures with a tenant's signing secrets:
 * verifying tenants' inbound webhooks and signing our outbound callbacks. A secret is
 * `whsec_` + base64 of 32 random bytes; a signature is `v1,` + base64(HMAC-SHA256(key,
 * `{webhook-id}.{webhook-timestamp}.{body}`)). The HMAC is the `standardwebhooks`
 * package's own `Webhook.sign`. Verification checks the timestamp itself, against an
 * injectable clock, because the package's `verify` reads `Date.now()` and reports a stale
 * timestamp and a wrong signature alike as exceptions told apart only by message text.
 *
 * Verification computes the same number of HMACs whatever the tenant holds (none: an
 * unknown tenant or one without a secret; one; or two during a rotation), padding with a
 * placeholder secret whose result is never accepted, so the time to refuse a signature
 * does not say whether the tenant exists or is mid-rotation.
 */
import { Webhook } from "standardwebhooks";

/** How far a webhook's timestamp may be from our clock, either way (the package's tolerance). */
export const WEBHOOK_TOLERANCE_SECONDS = 5 * 60;
const SECRET_BYTES = 32;
/** A tenant holds at most a current and a previous secret (webhook-secret-store.ts). */
const MAX_SECRETS = 2;
/**
 * HMAC'd in place of missing secrets so every verification does MAX_SECRETS HMACs. It is
 * public (32 zero bytes), so a match against it is discarded, never an accepted signature.
 */
const PLACEHOLDER_SECRET = `whsec_${btoa(String.fromCharCode(...new Uint8Array(SECRET_BYTES)))}`;
const TIMESTAMP_PATTERN = /^[0-9]{1,15}$/;

export interface WebhookHeaders {
  id: string | undefined;
  timestamp: string | undefined;
  signature: string | undefined;
}

/**
 * - `missing_headers`: a header is absent or empty, or the timestamp is not whole seconds.
 * - `timestamp_out_of_tolerance`: more than 5 minutes from `nowSeconds`, past or future.
 * - `bad_signature`: no `v1` signature matches any of the secrets (also when there are none).
 */
export type WebhookVerification =
  | { ok: true; id: string }
  | {
      ok: false;
      reason:
        "missing_headers" | "timestamp_out_of_tolerance" | "bad_signature";
    };

export type WebhookSignatureHeaders = Record<
  "webhook-id" | "webhook-timestamp" | "webhook-signature",
  string
>;

/** A new signing secret in the Standard Webhooks format: `whsec_` + base64 of 32 random bytes. */
export function newWebhookSecret(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(SECRET_BYTES));
  return `whsec_${btoa(String.fromCharCode(...bytes))}`;
}

/**
 * Verifies a Standard Webhooks request against any of the tenant's secrets (current
 * first, then a rotated-out one still in its grace period). `rawBody` must be the body
 * exactly as received: the signature covers its bytes, not its JSON meaning.
 */
export function verifyWebhook(
  secrets: readonly string[],
  headers: WebhookHeaders,
  rawBody: string,
  nowSeconds: number = Math.floor(Date.now() / 1000),
): WebhookVerification {
  const { id, timestamp, signature } = headers;
  if (!id || !signature || !timestamp || !TIMESTAMP_PATTERN.test(timestamp))
    return { ok: false, reason: "missing_headers" };
  const seconds = Number(timestamp);
  if (Math.abs(nowSeconds - seconds) > WEBHOOK_TOLERANCE_SECONDS)
    return { ok: false, reason: "timestamp_out_of_tolerance" };

  const presented = signature
    .split(" ")
    .filter((s) => s.startsWith("v1,"))
    .map((s) => s.slice("v1,".length));
  const at = new Date(seconds * 1000);
  const candidates = [
    ...secrets,
    ...Array<string | null>(Math.max(0, MAX_SECRETS - secrets.length)).fill(
      null,
    ),
  ];
  let verified = false;
  for (const secret of candidates) {
    const expected = new Webhook(secret ?? PLACEHOLDER_SECRET)
      .sign(id, at, rawBody)
      .slice("v1,".length);
    const matches = presented.some((candidate) =>
      signaturesEqual(candidate, expected),
    );
    verified ||= matches && secret !== null;
  }
  return verified ? { ok: true, id } : { ok: false, reason: "bad_signature" };
}

/**
 * The `webhook-id`, `webhook-timestamp` and `webhook-signature` headers of an outbound
 * event, signed with every given secret (space-separated `v1,…` signatures, as the spec
 * allows), so a receiver that holds either side of a rotation verifies it.
 */
export function signWebhook(
  secrets: readonly string[],
  id: string,
  timestampSeconds: number,
  body: string,
): WebhookSignatureHeaders {
  if (secrets.length === 0)
    throw new RangeError("signWebhook needs at least one secret");
  if (id === "" || /\s/.test(id))
    throw new RangeError(
      "a webhook id must be non-empty and without whitespace",
    );
  if (!Number.isSafeInteger(timestampSeconds) || timestampSeconds < 0)
    throw new RangeError(
      "a webhook timestamp is whole seconds since the epoch",
    );
  const at = new Date(timestampSeconds * 1000);
  return {
    "webhook-id": id,
    "webhook-timestamp": String(timestampSeconds),
    "webhook-signature": secrets
      .map((secret) => new Webhook(secret).sign(id, at, body))
      .join(" "),
  };
}

const encoder = new TextEncoder();

/**
 * Constant-time for signatures of the expected length (every genuine one: 44 base64
 * characters); workerd's timingSafeEqual does not exit early. A different length is
 * refused at once, which tells a caller only that length, not anything about the secret.
 */
function signaturesEqual(presented: string, expected: string): boolean {
  const a = encoder.encode(presented);
  const b = encoder.encode(expected);
  return a.byteLength === b.byteLength && crypto.subtle.timingSafeEqual(a, b);
}
