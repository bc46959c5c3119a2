/**
 * Presented API key -> Principal, or why not. Steps: parse (strict format) -> the key
 * record and its tenant -> constant-time compare of SHA-256(secret) with the stored
 * digest -> revoked? -> tenant suspended? "revoked" and "suspended" are only told to a
 * caller who proved the secret; a wrong secret reads "unknown", like a missing key.
 *
 * Isolate cache: lookups (records, never verdicts) are kept for `cacheTtlMs` (2 s by
 * default), so a hot key costs no Redis round trip and a revocation or suspension is
 * seen within that time. The secret is verified against the digest on every request,
 * cache hit or not, so nothing is trusted by public id alone. Keys with no record are
 * remembered in a separate, smaller map, so a flood of made-up keys cannot evict the
 * real ones. A key's tenant id never changes, so a refresh GETs the key and its tenant
 * concurrently (one auto-pipelined round trip); only a key's first sight costs two.
 *
 * Fail closed: a Redis failure is a 503 (redis-failure.ts), never a stale or
 * unverified admission.
 */
import { BoundedTtlMap } from "./bounded-ttl-map";
import { keyPrefix, parseApiKey } from "./key-format";
import { readKey, readTenant, type RecordReader } from "./read-records";
import { digestFromHex, digestsEqual, PLACEHOLDER_DIGEST, sha256Bytes } from "./secret-digest";
import type { ApiKeyRecord, Principal, Tenant } from "./types";
import type { TenancyConfig } from "../env";

export type KeyRefusal = "malformed" | "unknown" | "revoked" | "suspended";
export type KeyResolution = { ok: true; principal: Principal } | { ok: false; reason: KeyRefusal };
export type TenantKeyResolver = (presentedKey: string) => Promise<KeyResolution>;

export interface TenantKeyResolverOptions {
  /** Milliseconds clock; injectable for tests. */
  now?: () => number;
  /** Bound on cached keys that exist (default 10,000; ~1 KB each). */
  maxEntries?: number;
  /** Bound on remembered keys that do not exist (default 1,000). */
  maxUnknownEntries?: number;
}

interface KnownKey {
  record: ApiKeyRecord;
  tenant: Tenant | null;
  digest: Uint8Array;
}

const refuse = (reason: KeyRefusal): KeyResolution => ({ ok: false, reason });

export function tenantKeyResolver(
  config: { tenancy: Pick<TenancyConfig, "cacheTtlMs"> },
  redis: RecordReader,
  options: TenantKeyResolverOptions = {},
): TenantKeyResolver {
  const ttlMs = config.tenancy.cacheTtlMs;
  const now = options.now ?? Date.now;
  const known = new BoundedTtlMap<KnownKey>(options.maxEntries ?? 10_000);
  const unknown = new BoundedTtlMap<true>(options.maxUnknownEntries ?? 1_000);
  // Concurrent requests for a key whose entry is missing or stale share one lookup.
  const inflight = new Map<string, Promise<KnownKey | null>>();

  async function fetchKey(publicId: string): Promise<KnownKey | null> {
    const startedAt = now();
    const tenantHint = known.peek(publicId)?.record.tenant_id;
    const [record, hinted] = await Promise.all([
      readKey(redis, publicId),
      tenantHint === undefined ? null : readTenant(redis, tenantHint),
    ]);
    // Expiry counts from before the reads, so no entry outlives the TTL of what it saw.
    const expiresAt = startedAt + ttlMs;
    if (record === null) {
      known.delete(publicId);
      unknown.set(publicId, true, expiresAt);
      return null;
    }
    const tenant = record.tenant_id === tenantHint ? hinted : await readTenant(redis, record.tenant_id);
    const entry: KnownKey = { record, tenant, digest: digestFromHex(record.secret_sha256) };
    unknown.delete(publicId);
    known.set(publicId, entry, expiresAt);
    return entry;
  }

  function lookup(publicId: string): Promise<KnownKey | null> {
    const at = now();
    const cached = known.fresh(publicId, at);
    if (cached !== undefined) return Promise.resolve(cached);
    if (unknown.fresh(publicId, at) !== undefined) return Promise.resolve(null);
    let pending = inflight.get(publicId);
    if (pending === undefined) {
      pending = fetchKey(publicId).finally(() => inflight.delete(publicId));
      inflight.set(publicId, pending);
    }
    return pending;
  }

  return async function resolveTenantKey(presentedKey) {
    const parsed = parseApiKey(presentedKey);
    if (parsed === null) return refuse("malformed");
    const [entry, presentedDigest] = await Promise.all([lookup(parsed.publicId), sha256Bytes(parsed.secret)]);
    // Compared before the unknown-id refusal, against a placeholder, so an unknown id and a
    // wrong secret do the same digest and comparison and cannot be told apart by time.
    const secretMatches = digestsEqual(presentedDigest, entry?.digest ?? PLACEHOLDER_DIGEST);
    if (entry === null) return refuse("unknown");
    if (!secretMatches || entry.record.prefix !== keyPrefix(parsed.env, parsed.publicId)) return refuse("unknown");
    if (entry.record.revoked_at !== null) return refuse("revoked");
    if (entry.tenant === null) return refuse("unknown");
    if (entry.tenant.status !== "active") return refuse("suspended");
    const principal: Principal = {
      tenantId: entry.tenant.id,
      keyId: entry.record.id,
      scopes: entry.record.scopes,
      plan: entry.tenant.plan,
    };
    return { ok: true, principal };
  };
}
