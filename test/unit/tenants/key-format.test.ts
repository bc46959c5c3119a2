/** Key format: generation (alphabet, lengths, uniformity) and strict parsing. */
import { describe, expect, it } from "vitest";
import {
  BASE62,
  generateApiKey,
  keyPrefix,
  parseApiKey,
  randomBase62,
} from "../../../workers/tenants/key-format";
import { newTenantId, isKeyId, isTenantId } from "../../../workers/tenants/ids";

const PUBLIC = "AbCdEfGh01234567";
const SECRET = "abcdefghijklmnopqrstuvwxyzABCDEF";

describe("generateApiKey", () => {
  it("builds sk_{env}_{publicId}_{secret} from base62 parts of 16 and 32 characters", () => {
    for (const env of ["live", "test"] as const) {
      const k = generateApiKey(env);
      expect(k.key).toMatch(
        new RegExp(`^sk_${env}_[0-9A-Za-z]{16}_[0-9A-Za-z]{32}$`),
      );
      expect(k.publicId).toMatch(/^[0-9A-Za-z]{16}$/);
      expect(k.secret).toMatch(/^[0-9A-Za-z]{32}$/);
      expect(k.prefix).toBe(`sk_${env}_${k.publicId}`);
      expect(k.key).toBe(`${k.prefix}_${k.secret}`);
      expect(parseApiKey(k.key)).toEqual({
        env,
        publicId: k.publicId,
        secret: k.secret,
      });
    }
  });

  it("never repeats a key or a public id", () => {
    const keys = Array.from({ length: 2000 }, () => generateApiKey("live"));
    expect(new Set(keys.map((k) => k.key)).size).toBe(2000);
    expect(new Set(keys.map((k) => k.publicId)).size).toBe(2000);
  });
});

describe("randomBase62", () => {
  it("has the requested length and uses only base62", () => {
    for (const n of [1, 16, 32, 100])
      expect(randomBase62(n)).toMatch(new RegExp(`^[0-9A-Za-z]{${n}}$`));
    expect(BASE62).toHaveLength(62);
    expect(new Set(BASE62).size).toBe(62);
  });

  it("draws every character about equally often (no modulo bias)", () => {
    const counts = new Map<string, number>();
    const sample = randomBase62(62 * 2000);
    for (const ch of sample) counts.set(ch, (counts.get(ch) ?? 0) + 1);
    expect(counts.size).toBe(62);
    // Expected 2000 each, sd ≈ 44; a `% 62` bias would put '0'..'7' near 2,260.
    for (const n of counts.values())
      expect(Math.abs(n - 2000)).toBeLessThan(250);
  });
});

describe("parseApiKey", () => {
  it("parses both envs", () => {
    expect(parseApiKey(`sk_live_${PUBLIC}_${SECRET}`)).toEqual({
      env: "live",
      publicId: PUBLIC,
      secret: SECRET,
    });
    expect(parseApiKey(`sk_test_${PUBLIC}_${SECRET}`)).toEqual({
      env: "test",
      publicId: PUBLIC,
      secret: SECRET,
    });
  });

  it.each([
    ["empty", ""],
    ["other env", `sk_prod_${PUBLIC}_${SECRET}`],
    ["upper-case prefix", `SK_live_${PUBLIC}_${SECRET}`],
    ["no sk", `live_${PUBLIC}_${SECRET}`],
    ["short public id", `sk_live_${PUBLIC.slice(1)}_${SECRET}`],
    ["long public id", `sk_live_${PUBLIC}x_${SECRET}`],
    ["short secret", `sk_live_${PUBLIC}_${SECRET.slice(1)}`],
    ["long secret", `sk_live_${PUBLIC}_${SECRET}x`],
    ["prefix only", `sk_live_${PUBLIC}`],
    ["trailing underscore", `sk_live_${PUBLIC}_${SECRET}_`],
    ["extra part", `sk_live_${PUBLIC}_${SECRET}_${SECRET}`],
    ["leading space", ` sk_live_${PUBLIC}_${SECRET}`],
    ["trailing newline", `sk_live_${PUBLIC}_${SECRET}\n`],
    ["dash in secret", `sk_live_${PUBLIC}_${SECRET.slice(1)}-`],
    ["non-ASCII letter", `sk_live_${PUBLIC}_${SECRET.slice(1)}é`],
    ["old static key", "sk_test_edge_key_0123456789abcdef"],
  ])("refuses %s", (_label, text) => {
    expect(parseApiKey(text)).toBeNull();
  });

  it("keyPrefix is the key minus its secret", () => {
    expect(keyPrefix("test", PUBLIC)).toBe(`sk_test_${PUBLIC}`);
  });
});

describe("ids", () => {
  it("tenant ids are ten_ + 16 base62 characters; key ids are public ids", () => {
    const id = newTenantId();
    expect(id).toMatch(/^ten_[0-9A-Za-z]{16}$/);
    expect(isTenantId(id)).toBe(true);
    expect(isTenantId(`${id}:keys`)).toBe(false);
    expect(isTenantId("ten_short")).toBe(false);
    expect(isKeyId(PUBLIC)).toBe(true);
    expect(isKeyId(`${PUBLIC}*`)).toBe(false);
    expect(isKeyId(`sk_live_${PUBLIC}`)).toBe(false);
  });
});
