/**
 * KeyResolver over the `API_KEYS` list, the stand-in for tenancy. Keys are compared as
 * SHA-256 digests with crypto.subtle.timingSafeEqual, against every configured key
 * (no early exit), so timing reveals neither a key's prefix nor which key matched.
 * Each key is its own tenant; its id is a digest prefix, never the key itself.
 */
import type { KeyResolver, Principal } from "./auth";

const encoder = new TextEncoder();

async function sha256(text: string): Promise<ArrayBuffer> {
  return crypto.subtle.digest("SHA-256", encoder.encode(text));
}

function hex(buffer: ArrayBuffer): string {
  return [...new Uint8Array(buffer)].map((b) => b.toString(16).padStart(2, "0")).join("");
}

const resolvers = new Map<string, KeyResolver>();

export function staticKeyResolver(keys: readonly string[]): KeyResolver {
  const cacheKey = keys.join("\n");
  const existing = resolvers.get(cacheKey);
  if (existing) return existing;

  const digests = Promise.all(keys.map(sha256));
  const resolver: KeyResolver = async (presented) => {
    const candidate = await sha256(presented);
    let match: ArrayBuffer | null = null;
    for (const digest of await digests) {
      if (crypto.subtle.timingSafeEqual(digest, candidate)) match = digest;
    }
    if (match === null) return null;
    const id = hex(match).slice(0, 16);
    const principal: Principal = { tenantId: `key_${id}`, keyId: `key_${id}`, scopes: ["embed", "index", "usage"] };
    return principal;
  };
  resolvers.set(cacheKey, resolver);
  return resolver;
}
