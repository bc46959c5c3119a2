/**
 * Tenants and API keys in Upstash Redis. Redis, not KV: KV is eventually consistent
 * and may take ~60 s to show a revocation in every colo, while the contract is that a
 * revoked key or a suspended tenant is refused everywhere within 5 s. Upstash Redis is
 * strongly consistent and read by every isolate; key-resolver.ts caches lookups for at
 * most TENANT_CACHE_TTL_MS (2 s) so a request rarely pays a round trip for them.
 * Layout in redis-layout.ts. Only the SHA-256 of a key's secret is stored; the full
 * key exists once, in createKey's answer.
 */
import type { Redis } from "@upstash/redis/cloudflare";
import { DEFAULT_PLAN } from "./default-plan";
import { isKeyId, isTenantId, newTenantId } from "./ids";
import {
  generateApiKey,
  keyPrefix,
  parseApiKey,
  type GeneratedApiKey,
  type KeyEnv,
} from "./key-format";
import { invalidRequest } from "../errors/api-error";
import { keyRecordFrom, keyView, tenantFrom, type ApiKeyView } from "./records";
import { readKey, readTenant } from "./read-records";
import { guardRedis } from "./redis-failure";
import {
  apiKeyRecordKey,
  TENANT_INDEX_KEY,
  tenantIndexMember,
  tenantKey,
  tenantKeysSetKey,
} from "./redis-layout";
import { sha256Hex } from "./secret-digest";
import { runScript } from "../upstash/lua-script";
import { CREATE_TENANT, PATCH_TENANT, REVOKE_KEY } from "./store-scripts";
import {
  indexExistingTenants,
  listTenants,
  type TenantIndexProgress,
  type TenantListOptions,
  type TenantPage,
} from "./tenant-list";
import {
  SCOPES,
  type ApiKeyRecord,
  type Plan,
  type Scope,
  type Tenant,
  type TenantStatus,
} from "./records";

/** The commands the store uses, so tests and other clients can stand in for Upstash. */
export type TenancyRedis = Pick<
  Redis,
  | "get"
  | "set"
  | "eval"
  | "evalsha"
  | "sadd"
  | "smembers"
  | "mget"
  | "zrange"
  | "zadd"
  | "scan"
>;

export interface CreateTenantInput {
  name: string;
  /** Merged over DEFAULT_PLAN. */
  plan?: Partial<Plan>;
}

export interface TenantPatch {
  name?: string;
  /** Merged over the tenant's plan, field by field. */
  plan?: Partial<Plan>;
  status?: TenantStatus;
}

export interface CreateKeyInput {
  name?: string | null;
  /** Default: all scopes. */
  scopes?: readonly Scope[];
}

export interface CreatedKey {
  record: ApiKeyRecord;
  /** The full `sk_…` key: returned here once, stored nowhere. */
  key: string;
}

export interface TenantStoreOptions {
  /** The `{env}` of new keys. */
  keyEnv: KeyEnv;
  now?: () => Date;
}

// A 16-character base62 id colliding is ~2^-95 per pair; NX still guarantees that a
// collision fails instead of overwriting, and a retry draws a new id.
const CREATE_ATTEMPTS = 3;

export class TenantStore {
  private readonly now: () => Date;

  constructor(
    private readonly redis: TenancyRedis,
    private readonly options: TenantStoreOptions,
  ) {
    this.now = options.now ?? (() => new Date());
  }

  createTenant(input: CreateTenantInput): Promise<Tenant> {
    return guardRedis("create_tenant", async () => {
      for (let attempt = 0; attempt < CREATE_ATTEMPTS; attempt++) {
        const tenant: Tenant = {
          id: newTenantId(),
          name: input.name,
          status: "active",
          plan: { ...DEFAULT_PLAN, ...input.plan },
          created_at: this.now().toISOString(),
        };
        const keys = [tenantKey(tenant.id), TENANT_INDEX_KEY];
        const args = [
          JSON.stringify(tenant),
          tenantIndexMember(tenant.created_at, tenant.id),
        ];
        if (
          Number(await runScript(this.redis, CREATE_TENANT, keys, args)) === 1
        )
          return tenant;
      }
      throw new Error("tenant id collided on every attempt");
    });
  }

  /** Newest first; null when `after` names no tenant (tenant-list.ts). */
  listTenants(options: TenantListOptions): Promise<TenantPage | null> {
    return listTenants(this.redis, options);
  }

  /** One bounded step of indexing pre-index tenants, from SCAN `cursor` (tenant-list.ts). */
  indexExistingTenants(cursor: string): Promise<TenantIndexProgress> {
    return indexExistingTenants(this.redis, cursor);
  }

  getTenant(id: string): Promise<Tenant | null> {
    return readTenant(this.redis, id);
  }

  /** null when there is no such tenant. Atomic: concurrent patches never undo each other. */
  updateTenant(id: string, patch: TenantPatch): Promise<Tenant | null> {
    if (!isTenantId(id)) return Promise.resolve(null);
    return guardRedis("update_tenant", async () =>
      tenantFrom(
        await runScript(
          this.redis,
          PATCH_TENANT,
          [tenantKey(id)],
          [JSON.stringify(patch)],
        ),
      ),
    );
  }

  /** null when there is no such tenant. */
  createKey(
    tenantId: string,
    input: CreateKeyInput = {},
  ): Promise<CreatedKey | null> {
    return guardRedis("create_key", async () => {
      if ((await this.getTenant(tenantId)) === null) return null;
      for (let attempt = 0; attempt < CREATE_ATTEMPTS; attempt++) {
        const created = await this.insertKey(
          tenantId,
          generateApiKey(this.options.keyEnv),
          input,
        );
        if (created !== null) return created;
      }
      throw new Error("key id collided on every attempt");
    });
  }

  /**
   * Stores a key chosen elsewhere (a local stack's DEV_API_KEY), for seeding only: the
   * admin API always generates keys. null when there is no such tenant; a 400
   * `key_exists` when its public id is taken; a RangeError when it is not a valid key.
   */
  importKey(
    tenantId: string,
    key: string,
    input: CreateKeyInput = {},
  ): Promise<CreatedKey | null> {
    const parsed = parseApiKey(key);
    if (parsed === null)
      return Promise.reject(
        new RangeError(
          "not an API key of the form sk_{live|test}_{16 base62}_{32 base62}",
        ),
      );
    return guardRedis("import_key", async () => {
      if ((await this.getTenant(tenantId)) === null) return null;
      const created = await this.insertKey(
        tenantId,
        { ...parsed, key, prefix: keyPrefix(parsed.env, parsed.publicId) },
        input,
      );
      if (created === null)
        throw invalidRequest(
          "An API key with this public id already exists.",
          null,
          "key_exists",
        );
      return created;
    });
  }

  /** null when the key's public id is already taken (nothing written then). */
  private async insertKey(
    tenantId: string,
    key: GeneratedApiKey,
    input: CreateKeyInput,
  ): Promise<CreatedKey | null> {
    const record: ApiKeyRecord = {
      id: key.publicId,
      tenant_id: tenantId,
      name: input.name ?? null,
      prefix: key.prefix,
      secret_sha256: await sha256Hex(key.secret),
      scopes: canonicalScopes(input.scopes ?? SCOPES),
      created_at: this.now().toISOString(),
      revoked_at: null,
    };
    if (
      (await this.redis.set(
        apiKeyRecordKey(record.id),
        JSON.stringify(record),
        { nx: true },
      )) === null
    )
      return null;
    // Listed only after the record exists. If this SADD fails, the caller gets a 503
    // and never sees the secret, so the unlisted record can authenticate no one.
    await this.redis.sadd(tenantKeysSetKey(tenantId), record.id);
    return { record, key: key.key };
  }

  /** The tenant's keys, oldest first, without hashes; null when there is no such tenant. */
  listKeys(tenantId: string): Promise<ApiKeyView[] | null> {
    if (!isTenantId(tenantId)) return Promise.resolve(null);
    return guardRedis("list_keys", async () => {
      const [tenant, members] = await Promise.all([
        this.redis.get(tenantKey(tenantId)),
        this.redis.smembers<unknown[]>(tenantKeysSetKey(tenantId)),
      ]);
      if (tenant === null) return null;
      // The client parses an all-digit member as a number; ids are strings.
      const ids = members.map(String).filter(isKeyId);
      if (ids.length === 0) return [];
      const values = await this.redis.mget<unknown[]>(
        ...ids.map(apiKeyRecordKey),
      );
      return values
        .map(keyRecordFrom)
        .filter(
          (r): r is ApiKeyRecord => r !== null && r.tenant_id === tenantId,
        )
        .sort(
          (a, b) =>
            a.created_at.localeCompare(b.created_at) ||
            a.id.localeCompare(b.id),
        )
        .map(keyView);
    });
  }

  getKey(publicId: string): Promise<ApiKeyRecord | null> {
    return readKey(this.redis, publicId);
  }

  /** Sets revoked_at (idempotent: a revoked key keeps its first revocation time); null when there is no such key. */
  revokeKey(keyId: string): Promise<ApiKeyRecord | null> {
    if (!isKeyId(keyId)) return Promise.resolve(null);
    return guardRedis("revoke_key", async () =>
      keyRecordFrom(
        await runScript(
          this.redis,
          REVOKE_KEY,
          [apiKeyRecordKey(keyId)],
          [this.now().toISOString()],
        ),
      ),
    );
  }
}

/** Deduplicated, in SCOPES order, so equal scope sets read the same everywhere. */
function canonicalScopes(scopes: readonly Scope[]): Scope[] {
  return SCOPES.filter((scope) => scopes.includes(scope));
}
