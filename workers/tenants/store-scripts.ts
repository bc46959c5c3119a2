/**
 * Read-modify-write of a record inside Redis, in one atomic script. Done in the
 * client, two concurrent PATCHes could each write back the other's old fields: a
 * `set-plan` racing a `suspend` would silently reactivate the tenant. Each script
 * answers the record as written (JSON, which the client parses), or nil when there is
 * no record. Stock Lua + cjson, run through upstash/lua-script.ts: works on Upstash and
 * on the local bridge.
 */
import { luaScript } from "../upstash/lua-script";

/** KEYS[1] tenant; ARGV[1] JSON `{name?, status?, plan?}`, plan merged field by field. */
export const PATCH_TENANT_SCRIPT = `
local raw = redis.call('GET', KEYS[1])
if not raw then return nil end
local tenant = cjson.decode(raw)
local patch = cjson.decode(ARGV[1])
if patch.name ~= nil then tenant.name = patch.name end
if patch.status ~= nil then tenant.status = patch.status end
if patch.plan ~= nil then
  for field, value in pairs(patch.plan) do tenant.plan[field] = value end
end
raw = cjson.encode(tenant)
redis.call('SET', KEYS[1], raw)
return raw
`;

/** KEYS[1] key record; ARGV[1] ISO time. Sets revoked_at once; a second revoke keeps the first time. */
export const REVOKE_KEY_SCRIPT = `
local raw = redis.call('GET', KEYS[1])
if not raw then return nil end
local key = cjson.decode(raw)
if key.revoked_at == nil or key.revoked_at == cjson.null then
  key.revoked_at = ARGV[1]
  raw = cjson.encode(key)
  redis.call('SET', KEYS[1], raw)
end
return raw
`;

/**
 * KEYS[1] tenant, KEYS[2] its webhook secrets; ARGV[1] the new secret, ARGV[2] ISO now,
 * ARGV[3] ISO end of the replaced secret's grace, or '' to drop it at once. Nil (and
 * nothing written) when there is no tenant. In one script, a rotation racing another
 * always keeps the later one's secret current and the earlier one's as previous.
 */
export const ROTATE_WEBHOOK_SECRET_SCRIPT = `
if redis.call('EXISTS', KEYS[1]) == 0 then return nil end
local record = { current = { secret = ARGV[1], created_at = ARGV[2] } }
local raw = redis.call('GET', KEYS[2])
if raw and ARGV[3] ~= '' then
  local replaced = cjson.decode(raw).current
  record.previous = { secret = replaced.secret, created_at = replaced.created_at, expires_at = ARGV[3] }
end
raw = cjson.encode(record)
redis.call('SET', KEYS[2], raw)
return raw
`;

/**
 * KEYS[1] the tenant record, KEYS[2] the tenant index (redis-layout.ts); ARGV[1] the
 * record's JSON, ARGV[2] its index member. Writes both or neither: a tenant that exists
 * is always listed. Answers 1, or 0 (nothing written) when the id is taken.
 */
export const CREATE_TENANT_SCRIPT = `
if not redis.call('SET', KEYS[1], ARGV[1], 'NX') then return 0 end
redis.call('ZADD', KEYS[2], 0, ARGV[2])
return 1
`;

/** SHA-1s of the scripts above (checked offline by test/unit/upstash/lua-scripts.test.ts). */
export const PATCH_TENANT_SCRIPT_SHA1 =
  "7a191b37d04a4994fc7d5f85d7ce914e37a65630";
export const REVOKE_KEY_SCRIPT_SHA1 =
  "9263d2090f8a3773276f6a11b2fec83e4275d499";
export const CREATE_TENANT_SCRIPT_SHA1 =
  "f5a91a6faea89f91f4497e3a430dd6755d828ccf";
export const PATCH_TENANT = luaScript(
  PATCH_TENANT_SCRIPT,
  PATCH_TENANT_SCRIPT_SHA1,
);
export const REVOKE_KEY = luaScript(REVOKE_KEY_SCRIPT, REVOKE_KEY_SCRIPT_SHA1);
export const CREATE_TENANT = luaScript(
  CREATE_TENANT_SCRIPT,
  CREATE_TENANT_SCRIPT_SHA1,
);
