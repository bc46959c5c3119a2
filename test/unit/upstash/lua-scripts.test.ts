/**
 * Every Lua script's SHA-1 is fixed in code so EVALSHA goes out without hashing at run
 * time (workers/upstash/lua-script.ts); here each is recomputed offline from its source.
 */
import { createHash } from "node:crypto";
import { describe, expect, it } from "vitest";
import {
  SET_ALL_SCRIPT,
  SET_ALL_SCRIPT_SHA1,
} from "../../../workers/cache/l3-redis-tier";
import {
  LEASE_SCRIPT,
  LEASE_SCRIPT_SHA1,
} from "../../../workers/limits/lease-script";
import {
  CHARGE_ONCE_SCRIPT,
  CHARGE_ONCE_SCRIPT_SHA1,
  CONSUME_SCRIPT,
  CONSUME_SCRIPT_SHA1,
} from "../../../workers/limits/monthly-quota";
import {
  APPLY_SCRIPT,
  APPLY_SCRIPT_SHA1,
} from "../../../workers/metering/usage-store";
import {
  CREATE_TENANT_SCRIPT,
  CREATE_TENANT_SCRIPT_SHA1,
  PATCH_TENANT_SCRIPT,
  PATCH_TENANT_SCRIPT_SHA1,
  REVOKE_KEY_SCRIPT,
  REVOKE_KEY_SCRIPT_SHA1,
} from "../../../workers/tenants/store-scripts";

const scripts: [string, string, string][] = [
  ["L3 SET_ALL", SET_ALL_SCRIPT, SET_ALL_SCRIPT_SHA1],
  ["admission lease", LEASE_SCRIPT, LEASE_SCRIPT_SHA1],
  ["monthly quota consume", CONSUME_SCRIPT, CONSUME_SCRIPT_SHA1],
  ["monthly quota charge once", CHARGE_ONCE_SCRIPT, CHARGE_ONCE_SCRIPT_SHA1],
  ["usage apply", APPLY_SCRIPT, APPLY_SCRIPT_SHA1],
  ["tenant patch", PATCH_TENANT_SCRIPT, PATCH_TENANT_SCRIPT_SHA1],
  ["key revoke", REVOKE_KEY_SCRIPT, REVOKE_KEY_SCRIPT_SHA1],
  ["tenant create", CREATE_TENANT_SCRIPT, CREATE_TENANT_SCRIPT_SHA1],
];

describe("Lua scripts' fixed SHA-1s", () => {
  it.each(scripts)(
    "%s: the SHA-1 in code is the SHA-1 of its source",
    (_name, source, sha1) => {
      expect(createHash("sha1").update(source).digest("hex")).toBe(sha1);
    },
  );
});
