// meterRequest's durable path against a real redis-server behind the bridge: Redis
// first; Redis stopped -> the event goes to the queue; queue failing too -> the event
// is logged whole; and queued events applied later count exactly once.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Redis } from "@upstash/redis";
import { startCacheStack, type CacheStack } from "../../support/cache-stack";
import {
  meterRequest,
  type UsageQueue,
} from "../../../workers/metering/meter-request";
import {
  consumeUsageBatch,
  type UsageMessage,
} from "../../../workers/metering/usage-queue-consumer";
import {
  USAGE_COUNTERS,
  type UsageEvent,
} from "../../../workers/metering/usage-event";
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

function fakeQueue(options: { fail?: boolean } = {}) {
  const sent: UsageEvent[] = [];
  const queue: UsageQueue = {
    async send(body) {
      if (options.fail) throw new Error("queue unavailable");
      // meterRequest queues one event as itself, not as a batch of one.
      if (!("event_id" in body)) throw new Error("expected a single event");
      // Structured like a real queue: the consumer gets a copy, not the same object.
      sent.push(structuredClone(body));
    },
  };
  return { queue, sent };
}

/** The messages a real queue would deliver for `events`, with ack/retry recorded. */
function deliveries(events: unknown[], attempts = 1) {
  const acked: string[] = [];
  const retried: string[] = [];
  const messages: UsageMessage[] = events.map((body, i) => ({
    id: `msg_${i}`,
    body,
    attempts,
    ack: () => void acked.push(`msg_${i}`),
    retry: () => void retried.push(`msg_${i}`),
  }));
  return { batch: { messages }, acked, retried };
}

/** Like a queue: redelivers what was not acknowledged, attempts + 1 each round. */
async function drain(
  events: UsageEvent[],
  log: ReturnType<typeof recordingLog>["log"],
  firstAttempt = 1,
): Promise<number> {
  let pending = events;
  for (let attempts = firstAttempt; attempts < firstAttempt + 100; attempts++) {
    const round = deliveries(pending, attempts);
    await consumeUsageBatch(round.batch, { redis, log });
    pending = pending.filter((_, i) => !round.acked.includes(`msg_${i}`));
    if (pending.length === 0) return attempts;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error("queued events were never applied");
}

/** After a restart the bridge reconnects on its own; wait for it. */
async function redisIsBack(): Promise<void> {
  for (let i = 0; i < 200; i++) {
    if ((await redis.ping().catch(() => null)) === "PONG") return;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  throw new Error("redis did not come back");
}

const dayOf = (tenant: string) =>
  redis.hmget(usageDayKey(tenant, "2025-03-14"), ...USAGE_COUNTERS);

describe("meterRequest", () => {
  it("writes to Redis and leaves the queue alone when Redis answers", async () => {
    const tenant = freshTenant("direct");
    const { queue, sent } = fakeQueue();
    const { log, lines } = recordingLog();
    expect(await meterRequest({ redis, queue, log }, usageEvent(tenant))).toBe(
      "applied",
    );
    expect(sent).toEqual([]);
    expect(lines).toEqual([]);
    expect(await dayOf(tenant)).toEqual({
      requests: 1,
      inputs: 3,
      tokens_computed: 120,
      tokens_cached: 30,
      gpu_ms: 42,
    });
  });

  it("queues events while Redis is stopped; the consumer applies them exactly once after it is back", async () => {
    const tenant = freshTenant("outage");
    const { queue, sent } = fakeQueue();
    const { log, lines } = recordingLog();
    const before = usageEvent(tenant, {
      tokens_computed: 1000,
      tokens_cached: 0,
    });
    expect(await meterRequest({ redis, queue, log }, before)).toBe("applied");

    await stack.redis.stop();
    const during = [
      usageEvent(tenant, { tokens_computed: 0, tokens_cached: 500 }),
      usageEvent(tenant, { inputs: 9, gpu_ms: 7 }),
    ];
    for (const event of during)
      expect(await meterRequest({ redis, queue, log }, event)).toBe("queued");
    expect(sent).toEqual(during);
    expect(lines.map((l) => [l.level, l.fields.event_ids])).toEqual(
      during.map((e) => ["warn", [e.event_id]]),
    );

    // While Redis is still down, the consumer retries rather than acknowledging.
    const early = deliveries(sent);
    await consumeUsageBatch(early.batch, { redis, log });
    expect(early.acked).toEqual([]);
    expect(early.retried).toEqual(["msg_0", "msg_1"]);

    await stack.redis.restart(); // empty: persistence is off, so re-apply the first event too
    await drain(sent, log, 2); // some rounds may still fail while the bridge reconnects
    await redisIsBack();
    expect(await meterRequest({ redis, queue, log }, before)).toBe("applied");
    // The same messages again (an ack lost on the way back): acknowledged, not recounted.
    const again = deliveries(sent, 7);
    await consumeUsageBatch(again.batch, { redis, log });
    expect(again.acked).toEqual(["msg_0", "msg_1"]);
    expect(again.retried).toEqual([]);

    expect(await dayOf(tenant)).toEqual({
      requests: 3,
      inputs: 3 + 3 + 9,
      tokens_computed: 1000 + 0 + 120,
      tokens_cached: 0 + 500 + 30,
      gpu_ms: 42 + 42 + 7,
    });
  });

  it("counts once an event whose write ran in Redis but whose answer was lost", async () => {
    const tenant = freshTenant("lost-answer");
    const { queue, sent } = fakeQueue();
    const { log } = recordingLog();
    // Redis runs the script, then the client gives up waiting (a timeout after the fact).
    const slow = {
      eval: (...args: Parameters<Redis["eval"]>) =>
        redis
          .eval(...args)
          .then(() =>
            Promise.reject(
              new Error("The operation was aborted due to timeout"),
            ),
          ),
      evalsha: (...args: Parameters<Redis["evalsha"]>) =>
        redis
          .evalsha(...args)
          .then(() =>
            Promise.reject(
              new Error("The operation was aborted due to timeout"),
            ),
          ),
    } as Pick<Redis, "eval" | "evalsha">;
    expect(
      await meterRequest({ redis: slow, queue, log }, usageEvent(tenant)),
    ).toBe("queued");
    await drain(sent, log);
    expect(await dayOf(tenant)).toEqual({
      requests: 1,
      inputs: 3,
      tokens_computed: 120,
      tokens_cached: 30,
      gpu_ms: 42,
    });
  });

  it("logs the whole event as an error when the queue fails too, and never throws", async () => {
    const unreachable = bridgeClient("http://127.0.0.1:9");
    const { queue } = fakeQueue({ fail: true });
    const { log, lines } = recordingLog();
    const event = usageEvent(freshTenant("both-down"), { user: "user-42" });
    expect(await meterRequest({ redis: unreachable, queue, log }, event)).toBe(
      "lost",
    );
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({
      level: "error",
      message: "usage events lost: write and queue both failed",
      fields: { events: [event], queue_error: "Error: queue unavailable" },
    });
    expect(lines[0]!.fields.error).toEqual(expect.any(String));
  });

  it("logs the event when no queue is bound", async () => {
    const { log, lines } = recordingLog();
    const event = usageEvent(freshTenant("no-queue"));
    expect(
      await meterRequest(
        { redis: bridgeClient("http://127.0.0.1:9"), log },
        event,
      ),
    ).toBe("lost");
    expect(lines).toMatchObject([
      {
        level: "error",
        message: "usage events lost: write failed and no queue is bound",
        fields: { events: [event] },
      },
    ]);
  });

  it("reports a malformed event instead of queueing it to fail every retry", async () => {
    const { queue, sent } = fakeQueue();
    const { log, lines } = recordingLog();
    const event = usageEvent(freshTenant("bad"), { tokens_computed: -5 });
    expect(await meterRequest({ redis, queue, log }, event)).toBe("invalid");
    expect(sent).toEqual([]);
    expect(lines).toMatchObject([
      {
        level: "error",
        message: "usage event is malformed; not recorded",
        fields: { event },
      },
    ]);
  });
});
