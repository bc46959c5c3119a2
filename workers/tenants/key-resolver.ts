/**
 * Presented API key -> Principal, or why not. Steps: parse (strict format) -> the key
 * record and its tenant -> constant-time compare of SHA-256(secret) with the stored
 * digest -> revoked? -> tenant suspended? "revoked" and "suspended" are only told to a
 * caller who proved the secret; a wrong secret reads "unknown", like a missing key.
 *
 * Isolate cache: lookups (records, never verdicts) are kept for at most `cacheTtlMs`
 * (2 s by default, 5 s at most), the hard bound within which a revocation or
 * suspension is seen. A caller that can keep work alive past its response (passes
 * `background`, i.e. `ctx.waitUntil`) never waits for a warm key: once a record is
 * older than `refreshAfterMs` (three quarters of the TTL by default) it is still served, and one
 * refresh per key (single-flight) runs in the background; only a record past the hard
 * bound, or never seen, makes the request wait for Redis. A hot key thus costs one
 * Redis command per `refreshAfterMs`, whatever its request rate. The secret is
 * verified against the digest on every request, cache hit or not, so nothing is
 * trusted by public id alone. Keys with no record are remembered in a separate,
 * smaller map, so a flood of made-up keys cannot evict the real ones. A key's tenant id
 * never changes, so a refresh reads the key and its tenant in ONE command (MGET);
 * only a key's first sight costs two GETs, and an unknown id's first sight costs the
 * same two (the second for a placeholder tenant), so timing does not tell them apart.
 *
 * Fail closed: a Redis failure is a 503 (redis-failure.ts), never a stale or
 * unverified admission.
 */
import {
  ByteBoundedLru,
  LRU_ENTRY_OVERHEAD_BYTES,
} from "../memory/byte-bounded-lru";
import { keyPrefix, parseApiKey, PUBLIC_ID_LENGTH } from "./key-format";
import {
  readKey,
  readKeyAndTenant,
  readTenant,
  type KeyAndTenantReader,
} from "./read-records";
import {
  digestFromHex,
  digestsEqual,
  PLACEHOLDER_DIGEST,
  sha256Bytes,
} from "./secret-digest";
import type { ApiKeyRecord, Tenant } from "./records";
import type { Principal } from "./principal";
import type { TenancyConfig } from "../env";

export type KeyRefusal = "malformed" | "unknown" | "revoked" | "suspended";
export type KeyResolution =
  { ok: true; principal: Principal } | { ok: false; reason: KeyRefusal };
/**
 * `background`: keeps a promise alive after the response (`ctx.waitUntil`); given, a
 * warm key past its refresh age is served at once and refreshed there. Without it a
 * cached record is served until the hard bound, then refreshed while the request waits.
 */
export type TenantKeyResolver = (
  presentedKey: string,
  background?: (work: Promise<unknown>) => void,
) => Promise<KeyResolution>;

export interface TenantKeyResolverOptions {
  /** Milliseconds clock; injectable for tests. */
  now?: () => number;
  /** Bound on cached keys that exist (default 10,000; ~1 KB each). */
  maxEntries?: number;
  /** Bound on remembered keys that do not exist (default 1,000). */
  maxUnknownEntries?: number;
  /** Age (ms) from which a cached record is refreshed in the background (default three quarters of `cacheTtlMs`). */
  refreshAfterMs?: number;
}

interface KnownKey {
  record: ApiKeyRecord;
  tenant: Tenant | null;
  digest: Uint8Array;
  /** When the read that produced it started (ms, the resolver's clock). */
  readAt: number;
}

const refuse = (reason: KeyRefusal): KeyResolution => ({ ok: false, reason });

/** A cached lookup and when it stops being served (ms, the resolver's clock). */
interface Expiring<V> {
  value: V;
  expiresAt: number;
}

/** Estimated isolate memory of one known key's entry: records, digest, object headers. */
const KNOWN_KEY_BYTES = 1024;

/**
 * An LRU of at most `maxEntries` lookups. Keys are public ids, always PUBLIC_ID_LENGTH
 * characters (parseApiKey is strict), so every entry is charged the same bytes and a
 * byte budget of `maxEntries` entries holds exactly that many.
 */
function lookupLru<V>(
  maxEntries: number,
  bytesPerValue: number,
): ByteBoundedLru<Expiring<V>> {
  if (!Number.isInteger(maxEntries) || maxEntries < 1)
    throw new RangeError("maxEntries must be a positive integer");
  const entryBytes =
    bytesPerValue + PUBLIC_ID_LENGTH * 2 + LRU_ENTRY_OVERHEAD_BYTES;
  return new ByteBoundedLru<Expiring<V>>({
    maxBytes: maxEntries * entryBytes,
    sizeOf: () => bytesPerValue,
  });
}

/** The value if it has not expired at `now`, then the most recently used; expired entries keep their place. */
function fresh<V>(
  lru: ByteBoundedLru<Expiring<V>>,
  key: string,
  now: number,
): V | undefined {
  const slot = lru.peek(key);
  if (slot === undefined || now >= slot.expiresAt) return undefined;
  lru.get(key);
  return slot.value;
}

/** A well-formed tenant id read (and ignored) on an unknown key's first sight; see fetchKey. */
const PLACEHOLDER_TENANT_ID = `ten_${"0".repeat(16)}`;

export function tenantKeyResolver(
  config: { tenancy: Pick<TenancyConfig, "cacheTtlMs"> },
  redis: KeyAndTenantReader,
  options: TenantKeyResolverOptions = {},
): TenantKeyResolver {
  const ttlMs = config.tenancy.cacheTtlMs;
  const refreshAfterMs = Math.min(
    options.refreshAfterMs ?? Math.floor((ttlMs * 3) / 4),
    ttlMs,
  );
  const now = options.now ?? Date.now;
  const known = lookupLru<KnownKey>(
    options.maxEntries ?? 10_000,
    KNOWN_KEY_BYTES,
  );
  const unknown = lookupLru<true>(options.maxUnknownEntries ?? 1_000, 0);
  // Concurrent requests for a key whose entry is missing or stale share one lookup.
  const inflight = new Map<string, Promise<KnownKey | null>>();

  async function fetchKey(publicId: string): Promise<KnownKey | null> {
    const startedAt = now();
    const tenantHint = known.peek(publicId)?.value.record.tenant_id;
    const [record, hinted] =
      tenantHint === undefined
        ? [await readKey(redis, publicId), null]
        : await readKeyAndTenant(redis, publicId, tenantHint);
    // Expiry counts from before the reads, so no entry outlives the TTL of what it saw.
    const expiresAt = startedAt + ttlMs;
    if (record === null) {
      // A key's first sight reads its tenant next; an unknown id reads a placeholder
      // tenant (result unused) so both refusals cost the same two round trips and cannot
      // be told apart by time. A refresh (hint known) is one MGET either way.
      if (tenantHint === undefined)
        await readTenant(redis, PLACEHOLDER_TENANT_ID);
      known.delete(publicId);
      unknown.set(publicId, { value: true, expiresAt });
      return null;
    }
    const tenant =
      record.tenant_id === tenantHint
        ? hinted
        : await readTenant(redis, record.tenant_id);
    const entry: KnownKey = {
      record,
      tenant,
      digest: digestFromHex(record.secret_sha256),
      readAt: startedAt,
    };
    unknown.delete(publicId);
    known.set(publicId, { value: entry, expiresAt });
    return entry;
  }

  /** The one lookup of `publicId` in flight, started if there is none. */
  function fetchShared(publicId: string): Promise<KnownKey | null> {
    let pending = inflight.get(publicId);
    if (pending === undefined) {
      pending = fetchKey(publicId).finally(() => inflight.delete(publicId));
      inflight.set(publicId, pending);
    }
    return pending;
  }

  function lookup(
    publicId: string,
    background: ((work: Promise<unknown>) => void) | undefined,
  ): Promise<KnownKey | null> {
    const at = now();
    const cached = fresh(known, publicId, at);
    if (cached !== undefined) {
      if (
        background !== undefined &&
        at - cached.readAt >= refreshAfterMs &&
        !inflight.has(publicId)
      ) {
        // A failed refresh changes nothing: the record is served up to the hard bound,
        // then a request waits for Redis and fails closed if it is still away.
        background(fetchShared(publicId).catch(() => undefined));
      }
      return Promise.resolve(cached);
    }
    if (fresh(unknown, publicId, at) !== undefined)
      return Promise.resolve(null);
    return fetchShared(publicId);
  }

  return async function resolveTenantKey(presentedKey, background) {
    const parsed = parseApiKey(presentedKey);
    if (parsed === null) return refuse("malformed");
    const [entry, presentedDigest] = await Promise.all([
      lookup(parsed.publicId, background),
      sha256Bytes(parsed.secret),
    ]);
    // Compared before the unknown-id refusal, against a placeholder, so an unknown id and a
    // wrong secret do the same digest and comparison and cannot be told apart by time.
    const secretMatches = digestsEqual(
      presentedDigest,
      entry?.digest ?? PLACEHOLDER_DIGEST,
    );
    if (entry === null) return refuse("unknown");
    if (
      !secretMatches ||
      entry.record.prefix !== keyPrefix(parsed.env, parsed.publicId)
    )
      return refuse("unknown");
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
