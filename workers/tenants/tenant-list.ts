/**
 * The admin list of tenants, newest first, a page at a time, optionally only those of
 * one status. Tenants are found through the tenant index (redis-layout.ts: one sorted
 * set of `{created_at} {id}` members, all of score 0, so ZRANGE BYLEX orders them by
 * creation time and then id), which createTenant writes in the same script as the
 * record. The cursor `after` is a tenant id; the page starts just past its member.
 *
 * A status filter is applied to the records read, not inside Redis: the index is read
 * in chunks (one ZRANGE, then one MGET of the records, per chunk) until the page is full
 * or the index ends, so a page of a rare status may read many chunks. Fine at the
 * scale of an operator console; a per-status index would be the next step.
 */
import type { Redis } from "@upstash/redis/cloudflare";
import { isTenantId } from "./ids";
import { tenantFrom } from "./records";
import { guardRedis } from "./redis-failure";
import { TENANT_INDEX_KEY, tenantIndexMember, tenantKey } from "./redis-layout";
import type { Tenant, TenantStatus } from "./records";

export type TenantListRedis = Pick<Redis, "get" | "mget" | "zrange">;

export interface TenantListOptions {
  /** Tenants per page, 1 or more. */
  limit: number;
  /** The id of the last tenant of the previous page; null for the first page. */
  after: string | null;
  status?: TenantStatus;
}

/** One page: at most `limit` tenants, and whether more follow. */
export interface TenantPage {
  tenants: Tenant[];
  hasMore: boolean;
}

/** Index members read per ZRANGE when filtering by status. */
const FILTER_CHUNK = 200;

/** A page of tenants, newest first; null when `after` names no tenant (the caller answers 400). */
export function listTenants(
  redis: TenantListRedis,
  options: TenantListOptions,
): Promise<TenantPage | null> {
  const { limit, after, status } = options;
  if (!Number.isInteger(limit) || limit < 1)
    return Promise.reject(new RangeError("limit must be a positive integer"));
  return guardRedis("list_tenants", async () => {
    let cursor: string | null = null;
    if (after !== null) {
      const anchor = isTenantId(after)
        ? tenantFrom(await redis.get(tenantKey(after)))
        : null;
      if (anchor === null) return null;
      cursor = tenantIndexMember(anchor.created_at, anchor.id);
    }
    // One more than the page, to know whether another page follows.
    const chunk =
      status === undefined ? limit + 1 : Math.max(limit + 1, FILTER_CHUNK);
    const found: Tenant[] = [];
    for (;;) {
      const start: `(${string}` | "+" = cursor === null ? "+" : `(${cursor}`;
      const members = (
        await redis.zrange<unknown[]>(TENANT_INDEX_KEY, start, "-", {
          byLex: true,
          rev: true,
          offset: 0,
          count: chunk,
        })
      ).map(String);
      const ids = members
        .map((m) => m.slice(m.indexOf(" ") + 1))
        .filter(isTenantId);
      const records =
        ids.length === 0
          ? []
          : await redis.mget<unknown[]>(...ids.map(tenantKey));
      for (const value of records) {
        const tenant = tenantFrom(value);
        if (
          tenant !== null &&
          (status === undefined || tenant.status === status)
        )
          found.push(tenant);
      }
      if (found.length > limit || members.length < chunk) break;
      cursor = members.at(-1)!;
    }
    return { tenants: found.slice(0, limit), hasMore: found.length > limit };
  });
}

export type TenantIndexRedis = Pick<Redis, "scan" | "mget" | "zadd">;

/** Where a rebuild of the tenant index stands after one call. */
export interface TenantIndexProgress {
  /** Tenants (re)written to the index by this call; one already there counts again. */
  indexed: number;
  /** The SCAN cursor to continue from; "0" when the whole keyspace has been seen. */
  cursor: string;
}

/** Keys one SCAN step looks at (Redis's COUNT hint), and steps per call. */
const SCAN_COUNT = 500;
const SCAN_STEPS = 10;

/**
 * Adds tenants that exist but are not in the index (made before it existed) by walking
 * the keyspace with SCAN from `cursor` ("0" to start): at most SCAN_STEPS steps per
 * call, each one SCAN, one MGET and one ZADD, so a Worker request stays within its
 * subrequest budget; call again with the cursor answered until it is "0". Idempotent:
 * a member already in the index is written again unchanged. SCAN returns every key that
 * exists for the whole walk at least once (https://redis.io/docs/latest/commands/scan/).
 */
export function indexExistingTenants(
  redis: TenantIndexRedis,
  cursor: string,
): Promise<TenantIndexProgress> {
  return guardRedis("index_tenants", async () => {
    let next = cursor;
    let indexed = 0;
    for (let step = 0; step < SCAN_STEPS; step++) {
      const [after, keys] = await redis.scan(next, {
        match: `${tenantKey("")}*`,
        count: SCAN_COUNT,
      });
      next = String(after);
      // Only tenant records: `tenancy:tenant:{id}`, not its `:keys` or `:webhook-secrets`.
      const ids = keys
        .map((k) => k.slice(tenantKey("").length))
        .filter(isTenantId);
      if (ids.length > 0) {
        const tenants = (await redis.mget<unknown[]>(...ids.map(tenantKey)))
          .map(tenantFrom)
          .filter((t) => t !== null);
        const [first, ...rest] = tenants.map((t) => ({
          score: 0,
          member: tenantIndexMember(t.created_at, t.id),
        }));
        if (first !== undefined)
          await redis.zadd(TENANT_INDEX_KEY, first, ...rest);
        indexed += tenants.length;
      }
      if (next === "0") break;
    }
    return { indexed, cursor: next };
  });
}
