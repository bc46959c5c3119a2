// The usage queue consumer with plain message objects (ack/retry recorded) against a
// real redis-server behind the bridge: apply then ack, retry with a growing delay,
// redeliveries counted once, bodies that are not events kept for the dead-letter queue.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Redis } from "@upstash/redis";
import { startCacheStack, type CacheStack } from "../../support/cache-stack";
import {
  consumeUsageBatch,
  usageRetryDelaySeconds,
  type UsageMessage,
} from "../../../workers/metering/usage-queue-consumer";
import { USAGE_COUNTERS } from "../../../workers/metering/usage-event";
import { usageDayKey } from "../../../workers/metering/usage-store";
import {
  bridgeClient,
  freshTenant,
  recordingLog,
  usageEvent,
} from "./metering-fixture";

let stack: CacheStack;
let redis: Redis;

beforeAll(async () => {
  stack = await startCacheStack();
  redis = bridgeClient(stack.bridge.url);
});
afterAll(async () => {
  await stack?.close();
});

type Outcome = { ack: true } | { retry: { delaySeconds?: number } | undefined };

function message(id: string, body: unknown, attempts = 1) {
  const outcomes: Outcome[] = [];
  const msg: UsageMessage = {
    id,
    body,
    attempts,
    ack: () => void outcomes.push({ ack: true }),
    retry: (options) => void outcomes.push({ retry: options }),
  };
  return { msg, outcomes };
}

const dayOf = (tenant: string) =>
  redis.hmget(usageDayKey(tenant, "2025-03-14"), ...USAGE_COUNTERS);

describe("consumeUsageBatch", () => {
  it("applies every message and acknowledges each once", async () => {
    const tenant = freshTenant("acks");
    const messages = [1, 2, 3].map((i) =>
      message(`m${i}`, usageEvent(tenant, { inputs: i })),
    );
    const { log, lines } = recordingLog();
    await consumeUsageBatch(
      { messages: messages.map((m) => m.msg) },
      { redis, log },
    );
    expect(messages.map((m) => m.outcomes)).toEqual([
      [{ ack: true }],
      [{ ack: true }],
      [{ ack: true }],
    ]);
    expect(lines).toEqual([]);
    expect(await dayOf(tenant)).toEqual({
      requests: 3,
      inputs: 6,
      tokens_computed: 360,
      tokens_cached: 90,
      gpu_ms: 126,
    });
  });

  it("counts a redelivered message once, in a later batch or the same one", async () => {
    const tenant = freshTenant("redelivery");
    const event = usageEvent(tenant);
    const first = message("m1", event);
    await consumeUsageBatch({ messages: [first.msg] }, { redis });
    const sameBatch = [
      message("m1", structuredClone(event), 2),
      message("m1", structuredClone(event), 2),
    ];
    await consumeUsageBatch(
      { messages: sameBatch.map((m) => m.msg) },
      { redis },
    );
    expect([first, ...sameBatch].map((m) => m.outcomes)).toEqual([
      [{ ack: true }],
      [{ ack: true }],
      [{ ack: true }],
    ]);
    expect(await dayOf(tenant)).toEqual({
      requests: 1,
      inputs: 3,
      tokens_computed: 120,
      tokens_cached: 30,
      gpu_ms: 42,
    });
  });

  it("retries when Redis cannot be reached, with a delay that grows with the attempts", async () => {
    const unreachable = bridgeClient("http://127.0.0.1:9");
    const { log, lines } = recordingLog();
    const event = usageEvent(freshTenant("retry"));
    const delays: (number | undefined)[] = [];
    for (let attempts = 1; attempts <= 11; attempts++) {
      const { msg, outcomes } = message("m1", event, attempts);
      await consumeUsageBatch({ messages: [msg] }, { redis: unreachable, log });
      expect(outcomes).toHaveLength(1);
      const [outcome] = outcomes;
      if (!outcome || !("retry" in outcome))
        throw new Error(`attempt ${attempts} was acknowledged`);
      delays.push(outcome.retry?.delaySeconds);
    }
    expect(delays).toEqual([
      10, 20, 40, 80, 160, 320, 640, 1280, 2560, 3600, 3600,
    ]);
    expect(lines).toHaveLength(11);
    expect(lines[0]).toMatchObject({
      level: "warn",
      message: "usage event not applied; retrying",
      fields: { event_id: event.event_id, attempts: 1, delay_seconds: 10 },
    });
  });

  it("handles each message on its own: one failing does not hold back the rest", async () => {
    const tenant = freshTenant("mixed");
    const good = message("good", usageEvent(tenant));
    const bad = message("bad", { event_id: "x" }, 4);
    const { log, lines } = recordingLog();
    await consumeUsageBatch({ messages: [bad.msg, good.msg] }, { redis, log });
    expect(good.outcomes).toEqual([{ ack: true }]);
    // Never acknowledged, so the queue keeps it and finally dead-letters it.
    expect(bad.outcomes).toEqual([{ retry: { delaySeconds: 3600 } }]);
    expect(lines).toEqual([
      {
        level: "error",
        message: "usage queue message is not a usage event",
        fields: { message_id: "bad", attempts: 4, body: { event_id: "x" } },
      },
    ]);
    expect(await dayOf(tenant)).toMatchObject({ requests: 1 });
  });

  it("delays: 10 s doubling per attempt, capped at an hour", () => {
    expect(
      [0, 1, 2, 3, 9, 10, 11, 50, 1e9].map(usageRetryDelaySeconds),
    ).toEqual([10, 10, 20, 40, 2560, 3600, 3600, 3600, 3600]);
  });
});
