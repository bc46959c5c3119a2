import { createHash } from "node:crypto";
import { describe, expect, it } from "vitest";
import {
  cacheKeysFor,
  GLOBAL_SCOPE,
  tenantScope,
  type ModelInput,
} from "../../../workers/cache/cache-key";

const REVISION = "Qwen/Qwen3-Embedding-4B@main";

/** The key computed independently with node:crypto from the documented message layout. */
function expectedKey(
  scope: string,
  revision: string,
  tag: number,
  payload: Buffer,
): string {
  const digest = createHash("sha256")
    .update(
      Buffer.concat([
        Buffer.from(revision, "utf8"),
        Buffer.from([0x00, tag]),
        payload,
      ]),
    )
    .digest("base64url"); // Node's base64url is unpadded
  return `emb:v1:${scope}:${digest}`;
}

/** One input's key: cacheKeysFor with a one-item list. */
async function keyOf(parts: {
  scope: string;
  modelRevision: string;
  modelInput: ModelInput;
}): Promise<string> {
  const [key] = await cacheKeysFor({
    scope: parts.scope,
    modelRevision: parts.modelRevision,
    modelInputs: [parts.modelInput],
  });
  return key!;
}

function uint32le(ids: number[]): Buffer {
  const out = Buffer.alloc(ids.length * 4);
  ids.forEach((id, i) => out.writeUInt32LE(id, i * 4));
  return out;
}

function utf16le(text: string): Buffer {
  const out = Buffer.alloc(text.length * 2);
  for (let i = 0; i < text.length; i++)
    out.writeUInt16LE(text.charCodeAt(i), i * 2);
  return out;
}

describe("the key of one input", () => {
  it("hashes revision, 0x00, tag 0x02 and the UTF-8 text (golden value)", async () => {
    const key = await keyOf({
      scope: "global",
      modelRevision: REVISION,
      modelInput: "The quick brown fox",
    });
    expect(key).toBe(
      "emb:v1:global:teScdNqlzbC_JQfo1zDtMYG5HKWpkL9mUPYFEze6S7s",
    );
    expect(key).toBe(
      expectedKey(
        "global",
        REVISION,
        0x02,
        Buffer.from("The quick brown fox", "utf8"),
      ),
    );
  });

  it("hashes token ids as tag 0x01 and uint32 little-endian (golden value)", async () => {
    const key = await keyOf({
      scope: "global",
      modelRevision: REVISION,
      modelInput: [1, 2, 151643],
    });
    expect(key).toBe(
      "emb:v1:global:HIMjSRqtPjpu5WVcLvl6UM27NIfkKnLOnxdMXUWEC30",
    );
    expect(key).toBe(
      expectedKey("global", REVISION, 0x01, uint32le([1, 2, 151643])),
    );
  });

  it.each([
    ["multi-byte UTF-8 text", "Instruct: Given a query\nQuery: café 日本語 🙂"],
    ["the empty string", ""],
    ["a long text", "x".repeat(100_000)],
  ])("matches node:crypto for %s", async (_, text) => {
    const scope = tenantScope("key_123");
    const key = await keyOf({
      scope,
      modelRevision: REVISION,
      modelInput: text,
    });
    expect(key).toBe(
      expectedKey("tenant:key_123", REVISION, 0x02, Buffer.from(text, "utf8")),
    );
    expect(key).toMatch(/^emb:v1:tenant:key_123:[A-Za-z0-9_-]{43}$/);
  });

  it("never lets a text collide with token ids whose bytes it spells out", async () => {
    // Untagged, UTF-8 "\x01\0\0\0" is byte-for-byte the uint32 LE encoding of [1].
    expect(Buffer.from("\u0001\u0000\u0000\u0000", "utf8")).toEqual(
      uint32le([1]),
    );
    const spelled = "\u0001\u0000\u0000\u0000";
    const asText = await keyOf({
      scope: "global",
      modelRevision: REVISION,
      modelInput: spelled,
    });
    const asIds = await keyOf({
      scope: "global",
      modelRevision: REVISION,
      modelInput: [1],
    });
    expect(asText).not.toBe(asIds);
    expect(
      await keyOf({ scope: "global", modelRevision: REVISION, modelInput: [] }),
    ).not.toBe(
      await keyOf({ scope: "global", modelRevision: REVISION, modelInput: "" }),
    );
  });

  it("keeps texts with lone surrogates apart from their U+FFFD replacement", async () => {
    const lone = await keyOf({
      scope: "global",
      modelRevision: REVISION,
      modelInput: "a\uD800b",
    });
    const replaced = await keyOf({
      scope: "global",
      modelRevision: REVISION,
      modelInput: "a\uFFFDb",
    });
    expect(lone).not.toBe(replaced);
    expect(lone).toBe(
      expectedKey("global", REVISION, 0x03, utf16le("a\uD800b")),
    );
    expect(replaced).toBe(
      expectedKey("global", REVISION, 0x02, Buffer.from("a\uFFFDb", "utf8")),
    );
    // A well-formed surrogate pair is ordinary UTF-8.
    expect(
      await keyOf({
        scope: "global",
        modelRevision: REVISION,
        modelInput: "\uD83D\uDE42",
      }),
    ).toBe(expectedKey("global", REVISION, 0x02, Buffer.from("🙂", "utf8")));
  });

  it("depends on the model revision and the scope, and on nothing else", async () => {
    const base = {
      scope: "global",
      modelRevision: REVISION,
      modelInput: "hello",
    };
    const key = await keyOf(base);
    expect(await keyOf({ ...base })).toBe(key);
    expect(await keyOf({ ...base, modelRevision: `${REVISION}2` })).not.toBe(
      key,
    );
    const tenant = await keyOf({ ...base, scope: tenantScope("k1") });
    expect(tenant).toBe(
      `emb:v1:tenant:k1:${key.slice("emb:v1:global:".length)}`,
    );
  });

  it("rejects a revision containing NUL, which would make the boundary ambiguous", async () => {
    const withNul = keyOf({
      scope: "global",
      modelRevision: "a\u0000b",
      modelInput: "x",
    });
    await expect(withNul).rejects.toThrow(RangeError);
    await expect(
      keyOf({ scope: "global", modelRevision: "", modelInput: "x" }),
    ).rejects.toThrow(RangeError);
  });

  it.each([[-1], [1.5], [2 ** 32], [NaN]])(
    "rejects token id %s",
    async (id) => {
      const key = keyOf({
        scope: "global",
        modelRevision: REVISION,
        modelInput: [5, id],
      });
      await expect(key).rejects.toThrow(RangeError);
    },
  );
});

describe("scopes", () => {
  it.each([
    ["key_123", "tenant:key_123"],
    ["a.b-c_D9", "tenant:a.b-c_D9"],
    ["a:b", "tenant:a%3Ab"],
    ["evil:global", "tenant:evil%3Aglobal"],
    ["x*?[]", "tenant:x%2A%3F%5B%5D"],
    ["100%", "tenant:100%25"],
    ["café", "tenant:caf%C3%A9"],
    [" ", "tenant:%20"],
  ])("tenantScope(%j) = %j", (id, scope) => {
    expect(tenantScope(id)).toBe(scope);
  });

  it("rejects empty and malformed tenant ids", () => {
    expect(() => tenantScope("")).toThrow(RangeError);
    expect(() => tenantScope("a\uDC00")).toThrow(RangeError);
  });

  it.each([
    "tenant:a:b",
    "tenant:",
    "tenants:x",
    "Global",
    "",
    "tenant:a%3ab",
    "tenant:a%",
    "tenant:a*",
    "global:x",
  ])("rejects scope %j", async (scope) => {
    await expect(
      keyOf({ scope, modelRevision: REVISION, modelInput: "x" }),
    ).rejects.toThrow(RangeError);
  });

  it("accepts what GLOBAL_SCOPE and tenantScope produce", async () => {
    expect(GLOBAL_SCOPE).toBe("global");
    const key = await keyOf({
      scope: tenantScope("a:b*"),
      modelRevision: REVISION,
      modelInput: "x",
    });
    expect(key).toBe(
      expectedKey("tenant:a%3Ab%2A", REVISION, 0x02, Buffer.from("x")),
    );
  });
});

describe("cacheKeysFor", () => {
  it("returns one key per input, in order, equal to each input's own key", async () => {
    const inputs = ["a", [1, 2], "b", "a", [], "日本"];
    const keys = await cacheKeysFor({
      scope: "global",
      modelRevision: REVISION,
      modelInputs: inputs,
    });
    const single = await Promise.all(
      inputs.map((modelInput) =>
        keyOf({ scope: "global", modelRevision: REVISION, modelInput }),
      ),
    );
    expect(keys).toEqual(single);
    expect(keys[0]).toBe(keys[3]);
    expect(new Set(keys).size).toBe(5);
    expect(keys[5]).toBe(
      expectedKey("global", REVISION, 0x02, Buffer.from("日本", "utf8")),
    );
  });

  it("returns [] for no inputs and validates even then", async () => {
    expect(
      await cacheKeysFor({
        scope: "global",
        modelRevision: REVISION,
        modelInputs: [],
      }),
    ).toEqual([]);
    const keys = cacheKeysFor({
      scope: "bad:scope",
      modelRevision: REVISION,
      modelInputs: [],
    });
    await expect(keys).rejects.toThrow(RangeError);
  });
});
