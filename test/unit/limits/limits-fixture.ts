/**
 * Shared setup for the limits tests: a real redis-server with the Upstash REST bridge
 * in front of it (as test/support/cache-stack.ts builds it), plus a record of every
 * HTTP request the bridge answered, so tests can count round trips per admission.
 */
import { Redis } from "@upstash/redis";
import { Redis as IORedis } from "ioredis";
import {
  startUpstashBridge,
  type BridgeRequestEvent,
  type UpstashBridge,
} from "../../../infra/local/upstash-bridge/server";
import { BRIDGE_TOKEN } from "../../support/cache-stack";
import { startRedisServer, type RedisServer } from "../../support/redis-server";
import type { Plan } from "../../../workers/tenants/records";
import type { Principal } from "../../../workers/tenants/principal";

export interface LimitsFixture {
  redisServer: RedisServer;
  bridge: UpstashBridge;
  /** Every request the bridge answered, in order. */
  events: BridgeRequestEvent[];
  /** A client configured like the edge's tenancy client: auto-pipelined, no retries. */
  client: Redis;
  /** A direct connection to redis-server, to inspect what the scripts stored. */
  direct: IORedis;
  /** Empties Redis (and its script cache) and forgets recorded requests. */
  reset(options?: { keepScripts?: boolean }): Promise<void>;
  stop(): Promise<void>;
}

export async function startLimitsFixture(
  redisArgs: string[] = [],
): Promise<LimitsFixture> {
  const redisServer = await startRedisServer({ extraArgs: redisArgs });
  const events: BridgeRequestEvent[] = [];
  const bridge = await startUpstashBridge({
    redisUrl: redisServer.url,
    token: BRIDGE_TOKEN,
    port: 0,
    log: () => undefined,
    onRequest: (event) => events.push(event),
  });
  const client = new Redis({
    url: bridge.url,
    token: BRIDGE_TOKEN,
    enableAutoPipelining: true,
    enableTelemetry: false,
    retry: false,
  });
  const direct = new IORedis(redisServer.url, {
    maxRetriesPerRequest: 1,
    lazyConnect: true,
  });
  // Outage tests stop Redis under this connection; reconnect errors are expected there.
  direct.on("error", () => undefined);
  return {
    redisServer,
    bridge,
    events,
    client,
    direct,
    async reset(options = {}) {
      await direct.flushall();
      if (!options.keepScripts) await direct.script("FLUSH");
      events.length = 0;
    },
    async stop() {
      direct.disconnect();
      await bridge.close();
      await redisServer.stop();
    },
  };
}

export const PLAN: Plan = {
  requests_per_minute: 10,
  tokens_per_minute: 1_000,
  tokens_per_month: 100_000,
  max_inputs_per_request: 16,
};

export function principal(
  tenantId: string,
  plan: Partial<Plan> = {},
): Principal {
  return {
    tenantId,
    keyId: `key_${tenantId}`,
    scopes: ["embed"],
    plan: { ...PLAN, ...plan },
  };
}

/** Milliseconds in a Go/OpenAI duration such as `59.987s`, `1m0s` or `17ms`. */
export function parseResetDuration(text: string): number {
  const match =
    /^(?:(\d+)h)?(?:(\d+)m(?!s))?(?:(\d+(?:\.\d+)?)s|(\d+)ms)$/.exec(text);
  if (!match) throw new Error(`not a reset duration: ${text}`);
  const [, h = "0", m = "0", s, ms] = match;
  return (
    Number(h) * 3_600_000 +
    Number(m) * 60_000 +
    (s !== undefined ? Math.round(Number(s) * 1000) : Number(ms))
  );
}

/** Awaits a promise that must reject, and returns what it rejected with. */
export async function rejectionOf(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error("expected a rejection");
}
