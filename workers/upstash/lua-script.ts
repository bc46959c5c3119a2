/**
 * The one way Lua runs on Upstash here: EVALSHA of a script whose SHA-1 is fixed in code
 * (test/unit/upstash/lua-scripts.test.ts recomputes every one offline, as
 * upstash/ratelimit-js does for its scripts). EVALSHA is billed as one command whatever
 * the script does (https://upstash.com/docs/redis/overall/pricing) and sends 40 bytes
 * instead of the source. Because the SHA needs no hashing at run time, the EVALSHA is
 * issued synchronously, before the caller's first await, so @upstash/redis's
 * auto-pipelining sends it in the same HTTP call as the commands issued beside it. Only
 * a Redis that has not seen the script yet (fresh, restarted, flushed) answers NOSCRIPT;
 * the script did not run then, so EVAL (which also loads it) never runs it twice.
 */
import type { Redis } from "@upstash/redis/cloudflare";

export type ScriptRedis = Pick<Redis, "eval" | "evalsha">;

/** A Lua script and the hex SHA-1 of its exact source. */
export interface LuaScript {
  readonly source: string;
  readonly sha1: string;
}

export function luaScript(source: string, sha1: string): LuaScript {
  return { source, sha1 };
}

/** The script's reply; Redis errors other than NOSCRIPT (and the client's timeouts) are thrown. */
export function runScript(
  redis: ScriptRedis,
  script: LuaScript,
  keys: string[],
  args: (string | number)[],
): Promise<unknown> {
  return redis.evalsha(script.sha1, keys, args).catch((error: unknown) => {
    if (!String(error).includes("NOSCRIPT")) throw error;
    return redis.eval(script.source, keys, args);
  });
}
