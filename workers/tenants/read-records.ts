/**
 * Single-record reads, shared by the store (admin API) and the key resolver (every
 * `/v1` request). Ids are checked before they become Redis key names; a Redis failure
 * is a 503 (redis-failure.ts), a mangled record fails closed (records.ts).
 */
import type { Redis } from "@upstash/redis/cloudflare";
import { isKeyId, isTenantId } from "./ids";
import { keyRecordFrom, tenantFrom } from "./records";
import { guardRedis } from "./redis-failure";
import { apiKeyRecordKey, tenantKey } from "./redis-layout";
import type { ApiKeyRecord, Tenant } from "./records";

export type RecordReader = Pick<Redis, "get">;

export function readTenant(
  redis: RecordReader,
  id: string,
): Promise<Tenant | null> {
  if (!isTenantId(id)) return Promise.resolve(null);
  return guardRedis("get_tenant", async () =>
    tenantFrom(await redis.get(tenantKey(id))),
  );
}

export function readKey(
  redis: RecordReader,
  publicId: string,
): Promise<ApiKeyRecord | null> {
  if (!isKeyId(publicId)) return Promise.resolve(null);
  return guardRedis("get_key", async () =>
    keyRecordFrom(await redis.get(apiKeyRecordKey(publicId))),
  );
}

export type KeyAndTenantReader = Pick<Redis, "get" | "mget">;

/**
 * A key record and the tenant it is expected to name, in ONE command (MGET): the key
 * resolver's refresh, which knows a key's tenant id from its last read (a key's tenant
 * never changes). The caller checks the record's tenant_id against `tenantId`.
 */
export function readKeyAndTenant(
  redis: KeyAndTenantReader,
  publicId: string,
  tenantId: string,
): Promise<[ApiKeyRecord | null, Tenant | null]> {
  if (!isKeyId(publicId)) return Promise.resolve([null, null]);
  if (!isTenantId(tenantId))
    return Promise.all([readKey(redis, publicId), null]);
  return guardRedis("get_key_and_tenant", async () => {
    const [key, tenant] = await redis.mget<[unknown, unknown]>(
      apiKeyRecordKey(publicId),
      tenantKey(tenantId),
    );
    return [keyRecordFrom(key), tenantFrom(tenant)];
  });
}
