/**
 * A real redis-server behind the Upstash REST bridge, and @upstash/redis clients on it
 * configured like the edge's (auto-pipelined, no client retries), for the tenancy
 * unit tests. `downRedis` points at a port nothing listens on.
 */
import { Redis } from "@upstash/redis";
import {
  BRIDGE_TOKEN,
  startCacheStack,
  type CacheStack,
} from "../../support/cache-stack";
import { freePort } from "../../support/redis-server";

export interface TenancyFixture {
  stack: CacheStack;
  redis: Redis;
  downRedis: Redis;
  /** Every value stored in Redis, for "the secret is nowhere" checks. */
  dump(): Promise<string>;
  close(): Promise<void>;
}

const client = (url: string) =>
  new Redis({
    url,
    token: BRIDGE_TOKEN,
    enableAutoPipelining: true,
    retry: false,
    enableTelemetry: false,
  });

export async function startTenancyFixture(): Promise<TenancyFixture> {
  const stack = await startCacheStack();
  const redis = client(stack.bridge.url);
  const raw = new Redis({
    url: stack.bridge.url,
    token: BRIDGE_TOKEN,
    automaticDeserialization: false,
    retry: false,
  });
  return {
    stack,
    redis,
    downRedis: client(`http://127.0.0.1:${await freePort()}`),
    async dump() {
      const keys = await raw.keys("*");
      const parts = await Promise.all(
        keys.map(async (k) => {
          const type = await raw.type(k);
          if (type === "set")
            return `${k} ${JSON.stringify(await raw.smembers(k))}`;
          if (type === "zset")
            return `${k} ${JSON.stringify(await raw.zrange(k, 0, -1))}`;
          return `${k} ${await raw.get<string>(k)}`;
        }),
      );
      return parts.join("\n");
    },
    close: () => stack.close(),
  };
}
