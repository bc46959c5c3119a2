/**
 * A Lua script run by EVALSHA, which Upstash bills as one command whatever the script
 * does (https://upstash.com/docs/redis/overall/pricing), and which sends 40 bytes
 * instead of the source. Only a Redis that has not seen the script yet (fresh,
 * restarted, flushed) answers NOSCRIPT, and then EVAL loads it; NOSCRIPT means the
 * script did not run, so falling back never runs it twice.
 */
import type { Redis } from "@upstash/redis/cloudflare";

export type ScriptRedis = Pick<Redis, "eval" | "evalsha">;

export interface RedisScript {
  source: string;
  /** SHA-1 of the source, hex, computed once. */
  sha1(): Promise<string>;
}

export function redisScript(source: string): RedisScript {
  let sha1: Promise<string> | undefined;
  return {
    source,
    sha1: () =>
      (sha1 ??= crypto.subtle
        .digest("SHA-1", new TextEncoder().encode(source))
        .then((digest) => [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, "0")).join(""))),
  };
}

/** Runs the script with EVALSHA, falling back to EVAL on NOSCRIPT; other errors are thrown. */
export async function runScript(redis: ScriptRedis, script: RedisScript, keys: string[], args: string[]): Promise<unknown> {
  const sha1 = await script.sha1();
  return redis.evalsha(sha1, keys, args).catch((error: unknown) => {
    if (error instanceof Error && /NOSCRIPT/i.test(error.message)) return redis.eval(script.source, keys, args);
    throw error;
  });
}
