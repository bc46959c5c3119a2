/**
 * Tenant and key ids, and the patterns an id must match before it is used in a Redis
 * key name (so `ten_x:keys` can never address another record).
 */
import { PUBLIC_ID_LENGTH, randomBase62 } from "./key-format";

const TENANT_ID_RANDOM_LENGTH = 16;
export const TENANT_ID_PATTERN = new RegExp(`^ten_[0-9A-Za-z]{${TENANT_ID_RANDOM_LENGTH}}$`);
/** A key's id is its public id. */
export const KEY_ID_PATTERN = new RegExp(`^[0-9A-Za-z]{${PUBLIC_ID_LENGTH}}$`);

export function newTenantId(): string {
  return `ten_${randomBase62(TENANT_ID_RANDOM_LENGTH)}`;
}

export const isTenantId = (id: string): boolean => TENANT_ID_PATTERN.test(id);
export const isKeyId = (id: string): boolean => KEY_ID_PATTERN.test(id);
