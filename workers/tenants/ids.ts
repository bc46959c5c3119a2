/**
 * Tenant and key ids, and the patterns an id must match before it is used in a Redis
 * key name (so `ten_x:keys` can never address another record). The tenant-id rule here
 * is the only one: tenancy records, usage events (metering/usage-event.ts) and every
 * path that names a tenant use it, and an admin path with an id outside it is a 404.
 */
import { z } from "@hono/zod-openapi";
import { PUBLIC_ID_LENGTH, randomBase62 } from "./key-format";

const TENANT_ID_RANDOM_LENGTH = 16;
export const TENANT_ID_PATTERN = new RegExp(
  `^ten_[0-9A-Za-z]{${TENANT_ID_RANDOM_LENGTH}}$`,
);
/** A key's id is its public id. */
export const KEY_ID_PATTERN = new RegExp(`^[0-9A-Za-z]{${PUBLIC_ID_LENGTH}}$`);

export function newTenantId(): string {
  return `ten_${randomBase62(TENANT_ID_RANDOM_LENGTH)}`;
}

/** A tenant id in a schema (records, usage events), with the rule above. */
export const TenantIdSchema = z
  .string()
  .regex(TENANT_ID_PATTERN)
  .openapi({ example: "ten_4fQm0uB1r6ZkX9aE" });

export const isTenantId = (id: string): boolean => TENANT_ID_PATTERN.test(id);
export const isKeyId = (id: string): boolean => KEY_ID_PATTERN.test(id);
