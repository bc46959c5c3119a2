/**
 * Standard Webhooks signing and verification: the spec's published test vector, our
 * multi-secret signatures checked by the official `standardwebhooks` package's
 * `Webhook.verify` (what a tenant's receiver runs), its signatures checked by us, the
 * timestamp tolerance both ways with an injected clock, tampering, missing headers.
 */
import "../tenants/workerd-crypto";
import { Webhook } from "standardwebhooks";
import { afterEach, describe, expect, it, vi } from "vitest";
import {
  newWebhookSecret,
  signWebhook,
  verifyWebhook,
} from "../../../workers/webhooks/standard-webhooks";
import { WEBHOOK_SECRET_PATTERN } from "../../../workers/webhooks/secret-format";

// https://github.com/standard-webhooks/standard-webhooks/blob/main/spec/standard-webhooks.md
const VECTOR = {
  secret: "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
  id: "msg_p5jXN8AQM9LWM0D4loKWxJek",
  timestamp: 1614265330,
  payload: '{"test": 2432232314}',
  signature: "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=",
};
const vectorHeaders = {
  id: VECTOR.id,
  timestamp: String(VECTOR.timestamp),
  signature: VECTOR.signature,
};
const SIGNATURE = /^v1,[A-Za-z0-9+/]{43}=$/;
const nowSeconds = () => Math.floor(Date.now() / 1000);
const asLibraryHeaders = (
  h: Record<"webhook-id" | "webhook-timestamp" | "webhook-signature", string>,
) => ({ ...h });
const fromSigned = (
  h: Record<"webhook-id" | "webhook-timestamp" | "webhook-signature", string>,
) => ({
  id: h["webhook-id"],
  timestamp: h["webhook-timestamp"],
  signature: h["webhook-signature"],
});

describe("the spec's test vector", () => {
  it("signs to the published signature", () => {
    expect(
      signWebhook([VECTOR.secret], VECTOR.id, VECTOR.timestamp, VECTOR.payload),
    ).toEqual({
      "webhook-id": VECTOR.id,
      "webhook-timestamp": "1614265330",
      "webhook-signature": VECTOR.signature,
    });
  });

  it("verifies the published signature at its time, and within 5 minutes either side", () => {
    for (const at of [
      VECTOR.timestamp,
      VECTOR.timestamp + 300,
      VECTOR.timestamp - 300,
    ]) {
      expect(
        verifyWebhook([VECTOR.secret], vectorHeaders, VECTOR.payload, at),
      ).toEqual({ ok: true, id: VECTOR.id });
    }
  });

  it("refuses it as out of tolerance one second past 5 minutes, old or from the future", () => {
    const refused = { ok: false, reason: "timestamp_out_of_tolerance" };
    expect(
      verifyWebhook(
        [VECTOR.secret],
        vectorHeaders,
        VECTOR.payload,
        VECTOR.timestamp + 301,
      ),
    ).toEqual(refused);
    expect(
      verifyWebhook(
        [VECTOR.secret],
        vectorHeaders,
        VECTOR.payload,
        VECTOR.timestamp - 301,
      ),
    ).toEqual(refused);
    // The default clock is the real one: 2021 is long past.
    expect(
      verifyWebhook([VECTOR.secret], vectorHeaders, VECTOR.payload),
    ).toEqual(refused);
    // Out of tolerance is reported before the signature is looked at.
    expect(
      verifyWebhook(
        [VECTOR.secret],
        { ...vectorHeaders, signature: "v1,bad" },
        VECTOR.payload,
        VECTOR.timestamp + 301,
      ),
    ).toEqual(refused);
  });

  it("refuses any change to the body, id, timestamp, signature or secret as a bad signature", () => {
    const bad = { ok: false, reason: "bad_signature" };
    const at = VECTOR.timestamp;
    expect(
      verifyWebhook([VECTOR.secret], vectorHeaders, '{"test":2432232314}', at),
    ).toEqual(bad);
    expect(
      verifyWebhook([VECTOR.secret], vectorHeaders, '{"test": 2432232315}', at),
    ).toEqual(bad);
    expect(
      verifyWebhook([VECTOR.secret], vectorHeaders, `${VECTOR.payload}\n`, at),
    ).toEqual(bad);
    expect(
      verifyWebhook(
        [VECTOR.secret],
        { ...vectorHeaders, id: `${VECTOR.id}x` },
        VECTOR.payload,
        at,
      ),
    ).toEqual(bad);
    expect(
      verifyWebhook(
        [VECTOR.secret],
        { ...vectorHeaders, timestamp: String(at + 1) },
        VECTOR.payload,
        at,
      ),
    ).toEqual(bad);
    expect(
      verifyWebhook(
        [VECTOR.secret],
        {
          ...vectorHeaders,
          signature: VECTOR.signature.replace("g0hM", "g0hN"),
        },
        VECTOR.payload,
        at,
      ),
    ).toEqual(bad);
    expect(
      verifyWebhook(
        [VECTOR.secret],
        { ...vectorHeaders, signature: VECTOR.signature.replace("v1,", "v2,") },
        VECTOR.payload,
        at,
      ),
    ).toEqual(bad);
    expect(
      verifyWebhook(
        [VECTOR.secret],
        { ...vectorHeaders, signature: VECTOR.signature.slice(0, -1) },
        VECTOR.payload,
        at,
      ),
    ).toEqual(bad);
    expect(
      verifyWebhook([newWebhookSecret()], vectorHeaders, VECTOR.payload, at),
    ).toEqual(bad);
    expect(verifyWebhook([], vectorHeaders, VECTOR.payload, at)).toEqual(bad);
  });

  it("finds the matching v1 signature among several, of any version", () => {
    const signature = `v1a,somethingElse v1,${"A".repeat(43)}= ${VECTOR.signature} v2,zzz`;
    expect(
      verifyWebhook(
        [VECTOR.secret],
        { ...vectorHeaders, signature },
        VECTOR.payload,
        VECTOR.timestamp,
      ),
    ).toEqual({ ok: true, id: VECTOR.id });
  });
});

describe("missing or unusable headers", () => {
  it.each<[string, Partial<typeof vectorHeaders>]>([
    ["no id", { id: undefined }],
    ["empty id", { id: "" }],
    ["no timestamp", { timestamp: undefined }],
    ["empty timestamp", { timestamp: "" }],
    ["no signature", { signature: undefined }],
    ["empty signature", { signature: "" }],
    ["a timestamp with trailing text", { timestamp: "1614265330abc" }],
    ["a negative timestamp", { timestamp: "-1614265330" }],
    ["a fractional timestamp", { timestamp: "1614265330.5" }],
  ])("%s: missing_headers", (_label, change) => {
    expect(
      verifyWebhook(
        [VECTOR.secret],
        { ...vectorHeaders, ...change },
        VECTOR.payload,
        VECTOR.timestamp,
      ),
    ).toEqual({ ok: false, reason: "missing_headers" });
  });
});

describe("our signatures, checked by the standardwebhooks package", () => {
  it("signs with every given secret, so a receiver with either side of a rotation verifies", () => {
    const [current, previous, other] = [
      newWebhookSecret(),
      newWebhookSecret(),
      newWebhookSecret(),
    ];
    const body = JSON.stringify({
      object: "index.job",
      id: "job_1",
      status: "succeeded",
    });
    const headers = signWebhook(
      [current, previous],
      "msg_rotation",
      nowSeconds(),
      body,
    );
    const parts = headers["webhook-signature"].split(" ");
    expect(parts).toHaveLength(2);
    for (const part of parts) expect(part).toMatch(SIGNATURE);
    expect(parts[0]).toBe(
      new Webhook(current).sign(
        "msg_rotation",
        new Date(Number(headers["webhook-timestamp"]) * 1000),
        body,
      ),
    );

    expect(
      new Webhook(current).verify(body, asLibraryHeaders(headers)),
    ).toEqual(JSON.parse(body));
    expect(
      new Webhook(previous).verify(body, asLibraryHeaders(headers)),
    ).toEqual(JSON.parse(body));
    expect(() =>
      new Webhook(other).verify(body, asLibraryHeaders(headers)),
    ).toThrow("No matching signature found");
    expect(() =>
      new Webhook(current).verify(`${body} `, asLibraryHeaders(headers)),
    ).toThrow("No matching signature found");

    // And by us, with either secret alone.
    expect(verifyWebhook([previous], fromSigned(headers), body)).toEqual({
      ok: true,
      id: "msg_rotation",
    });
    expect(verifyWebhook([other, current], fromSigned(headers), body)).toEqual({
      ok: true,
      id: "msg_rotation",
    });
    expect(verifyWebhook([other], fromSigned(headers), body)).toEqual({
      ok: false,
      reason: "bad_signature",
    });
  });

  it("a stale signature of ours is refused by the package too", () => {
    const secret = newWebhookSecret();
    const headers = signWebhook([secret], "msg_old", nowSeconds() - 3600, "{}");
    expect(() =>
      new Webhook(secret).verify("{}", asLibraryHeaders(headers)),
    ).toThrow("Message timestamp too old");
    expect(verifyWebhook([secret], fromSigned(headers), "{}")).toEqual({
      ok: false,
      reason: "timestamp_out_of_tolerance",
    });
  });

  it("verifies what a tenant signs with the package, with the tenant's current or previous secret", () => {
    const [current, previous] = [newWebhookSecret(), newWebhookSecret()];
    const at = nowSeconds();
    const body = '{"input_url":"https://example.com/doc.txt"}';
    const signature = new Webhook(previous).sign(
      "msg_inbound",
      new Date(at * 1000),
      body,
    );
    expect(
      verifyWebhook(
        [current, previous],
        { id: "msg_inbound", timestamp: String(at), signature },
        body,
      ),
    ).toEqual({ ok: true, id: "msg_inbound" });
    expect(
      verifyWebhook(
        [current],
        { id: "msg_inbound", timestamp: String(at), signature },
        body,
      ),
    ).toEqual({ ok: false, reason: "bad_signature" });
  });

  it("refuses to sign with no secret, or with a timestamp that is not whole seconds", () => {
    const secret = newWebhookSecret();
    expect(() => signWebhook([], "msg_1", 1614265330, "{}")).toThrow(
      RangeError,
    );
    expect(() => signWebhook([secret], "msg_1", 1614265330.5, "{}")).toThrow(
      RangeError,
    );
    expect(() => signWebhook([secret], "", 1614265330, "{}")).toThrow(
      RangeError,
    );
  });
});

describe("newWebhookSecret", () => {
  it("is whsec_ + base64 of 32 random bytes, accepted by the package", () => {
    const secrets = Array.from({ length: 200 }, newWebhookSecret);
    for (const secret of secrets) {
      expect(secret).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
      expect(secret).toMatch(WEBHOOK_SECRET_PATTERN);
      expect(Buffer.from(secret.slice("whsec_".length), "base64")).toHaveLength(
        32,
      );
    }
    expect(new Set(secrets).size).toBe(secrets.length);
    expect(() => new Webhook(secrets[0]!)).not.toThrow();
  });
});

describe("timing: the same HMAC work whatever the tenant holds", () => {
  afterEach(() => vi.restoreAllMocks());
  const at = 1614265330;
  const body = '{"documents":[]}';
  const forged = {
    id: "msg_forged",
    timestamp: String(at),
    signature: "v1,AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=",
  };

  it("two HMACs to refuse a forged signature: no secrets (unknown tenant), one, or two mid-rotation", () => {
    const sign = vi.spyOn(Webhook.prototype, "sign");
    const hmacs = (secrets: string[]) => {
      sign.mockClear();
      expect(verifyWebhook(secrets, forged, body, at)).toEqual({
        ok: false,
        reason: "bad_signature",
      });
      return sign.mock.calls.map(([id, when, payload]) => [
        id,
        (when as Date).getTime(),
        payload,
      ]);
    };
    const expected = [
      ["msg_forged", at * 1000, body],
      ["msg_forged", at * 1000, body],
    ];
    expect(hmacs([])).toEqual(expected);
    expect(hmacs([newWebhookSecret()])).toEqual(expected);
    expect(hmacs([newWebhookSecret(), newWebhookSecret()])).toEqual(expected);
  });

  it("never accepts a signature made with the placeholder secret (32 zero bytes), even for a tenant with none", () => {
    const placeholder = `whsec_${Buffer.alloc(32).toString("base64")}`;
    const signature = new Webhook(placeholder).sign(
      "msg_p",
      new Date(at * 1000),
      body,
    );
    const headers = { id: "msg_p", timestamp: String(at), signature };
    expect(verifyWebhook([], headers, body, at)).toEqual({
      ok: false,
      reason: "bad_signature",
    });
    expect(verifyWebhook([newWebhookSecret()], headers, body, at)).toEqual({
      ok: false,
      reason: "bad_signature",
    });
    // The same signature is accepted once the placeholder really is the tenant's secret: the check above is not vacuous.
    expect(verifyWebhook([placeholder], headers, body, at)).toEqual({
      ok: true,
      id: "msg_p",
    });
  });
});
