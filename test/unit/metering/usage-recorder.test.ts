// The isolate's group commit of usage against a real redis-server behind the bridge:
// N events in exactly one Redis command (counted at redis-server), every record()
// settling only once its flush is written, a failed flush queued as one batch message
// that the consumer applies exactly once, redelivered or not.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Redis } from "@upstash/redis";
import { startCacheStack, type CacheStack } from "../../support/cache-stack";
import {
  startCommandCounter,
  type CommandCounter,
} from "../../support/command-stats";
import { createUsageRecorder } from "../../../workers/metering/usage-recorder";
import type { UsageQueue } from "../../../workers/metering/meter-request";
import {
  consumeUsageBatch,
  type UsageMessage,
} from "../../../workers/metering/usage-queue-consumer";
import { USAGE_COUNTERS } from "../../../workers/metering/usage-event";
import {
  applyUsageEvent,
  usageDayKey,
} from "../../../workers/metering/usage-store";
import {
  bridgeClient,
  freshTenant,
  recordingLog,
  usageEvent,
} from "./metering-fixture";

let stack: CacheStack;
let redis: Redis;
let commands: CommandCounter;

beforeAll(async () => {
  stack = await startCacheStack();
  redis = bridgeClient(stack.bridge.url);
  commands = await startCommandCounter(stack.redis.url);
  // Loads the script, so every flush below is one EVALSHA (no NOSCRIPT, then EVAL).
  await applyUsageEvent(redis, usageEvent(freshTenant("warm")));
});
afterAll(async () => {
  await commands?.stop();
  await stack?.close();
});

const dayOf = (tenant: string) =>
  redis.hmget(usageDayKey(tenant, "2025-03-14"), ...USAGE_COUNTERS);
const noAdmission = {
  settleDegraded: () => Promise.reject(new Error("no event here is fail-open")),
};

function recordingQueue() {
  const sent: unknown[] = [];
  const queue: UsageQueue = {
    send: async (body) => void sent.push(structuredClone(body)),
  };
  return { queue, sent };
}

function delivery(body: unknown, attempts: number) {
  const outcomes: string[] = [];
  const message: UsageMessage = {
    id: "m1",
    body,
    attempts,
    ack: () => void outcomes.push("ack"),
    retry: () => void outcomes.push("retry"),
  };
  return { batch: { messages: [message] }, outcomes };
}

describe("createUsageRecorder", () => {
  it("writes a full batch of 25 events in exactly one Redis command", async () => {
    const tenant = freshTenant("one-command");
    const { log, lines } = recordingLog();
    // The wait is far longer than the test: only the batch filling up can flush it.
    const recorder = createUsageRecorder({
      redis,
      admission: noAdmission,
      log,
      maxEvents: 25,
      maxWaitMs: 600_000,
    });
    const events = Array.from({ length: 25 }, (_, i) =>
      usageEvent(tenant, {
        inputs: i + 1,
        tokens_computed: 10 * i,
        tokens_cached: i,
        gpu_ms: 2,
      }),
    );
    await commands.reset();
    await Promise.all(events.map((event) => recorder.record(event)));
    expect(await commands.counts()).toEqual({ evalsha: 1 });
    expect(lines).toEqual([]);
    // 1+…+25 = 325 inputs, 10×(0+…+24) = 3000 computed, 0+…+24 = 300 cached, 25×2 gpu ms.
    expect(await dayOf(tenant)).toEqual({
      requests: 25,
      inputs: 325,
      tokens_computed: 3000,
      tokens_cached: 300,
      gpu_ms: 50,
    });
  });

  it("settles each record() only after its flush is written; a batch not full is written once its wait ends", async () => {
    const tenant = freshTenant("timer");
    const recorder = createUsageRecorder({
      redis,
      admission: noAdmission,
      maxWaitMs: 50,
    });
    await commands.reset();
    const first = recorder.record(usageEvent(tenant, { inputs: 1 }));
    const second = recorder.record(usageEvent(tenant, { inputs: 2 }));
    await first;
    // Both events were in the flush the first request waited for.
    expect(await dayOf(tenant)).toEqual({
      requests: 2,
      inputs: 3,
      tokens_computed: 240,
      tokens_cached: 60,
      gpu_ms: 84,
    });
    await second;
    expect(await commands.counts()).toEqual({ evalsha: 1, hmget: 1 });
    // The next event opens a new batch.
    await recorder.record(usageEvent(tenant, { inputs: 5 }));
    expect(await dayOf(tenant)).toEqual({
      requests: 3,
      inputs: 8,
      tokens_computed: 360,
      tokens_cached: 90,
      gpu_ms: 126,
    });
  });

  it("applies an event id once though it is recorded twice, in one batch or across two", async () => {
    const tenant = freshTenant("dup");
    const recorder = createUsageRecorder({
      redis,
      admission: noAdmission,
      maxWaitMs: 20,
    });
    const event = usageEvent(tenant);
    await Promise.all([
      recorder.record(event),
      recorder.record(structuredClone(event)),
    ]);
    await recorder.record(structuredClone(event));
    expect(await dayOf(tenant)).toEqual({
      requests: 1,
      inputs: 3,
      tokens_computed: 120,
      tokens_cached: 30,
      gpu_ms: 42,
    });
  });

  it("queues a failed flush as ONE batch message, which the consumer applies exactly once, redelivered or not", async () => {
    const tenant = freshTenant("failed-flush");
    const { queue, sent } = recordingQueue();
    const { log, lines } = recordingLog();
    const unreachable = bridgeClient("http://127.0.0.1:9");
    const recorder = createUsageRecorder({
      redis: unreachable,
      queue,
      admission: noAdmission,
      log,
      maxEvents: 4,
      maxWaitMs: 600_000,
    });
    const events = [1, 2, 3, 4].map((inputs) =>
      usageEvent(tenant, { inputs, gpu_ms: inputs }),
    );
    await Promise.all(events.map((event) => recorder.record(event)));
    expect(sent).toEqual([{ events }]);
    expect(lines).toMatchObject([
      {
        level: "warn",
        message: "usage write failed; events queued for retry",
        fields: { event_ids: events.map((e) => e.event_id) },
      },
    ]);

    const expected = {
      requests: 4,
      inputs: 10,
      tokens_computed: 480,
      tokens_cached: 120,
      gpu_ms: 10,
    };
    const first = delivery(sent[0], 1);
    await consumeUsageBatch(first.batch, { redis, log });
    expect(first.outcomes).toEqual(["ack"]);
    expect(await dayOf(tenant)).toEqual(expected);
    // The same message again (its ack lost): acknowledged, nothing counted twice.
    const again = delivery(structuredClone(sent[0]), 2);
    await consumeUsageBatch(again.batch, { redis, log });
    expect(again.outcomes).toEqual(["ack"]);
    expect(await dayOf(tenant)).toEqual(expected);
  });

  it("settles a fail-open request's quota after the flush applies it when no queue is bound", async () => {
    const tenant = freshTenant("pending-quota");
    const settled: unknown[] = [];
    const admission = {
      settleDegraded: async (...args: unknown[]) => settled.push(args) > 0,
    };
    const recorder = createUsageRecorder({ redis, admission, maxWaitMs: 10 });
    const event = usageEvent(tenant, { quota_pending_at: 1_741_953_600_000 });
    await recorder.record(event);
    expect(settled).toEqual([[tenant, 150, 1_741_953_600_000, event.event_id]]);
    expect(await dayOf(tenant)).toEqual({
      requests: 1,
      inputs: 3,
      tokens_computed: 120,
      tokens_cached: 30,
      gpu_ms: 42,
    });
  });

  it("sends a fail-open request to the queue on its own, to have its quota settled there", async () => {
    const { queue, sent } = recordingQueue();
    const recorder = createUsageRecorder({
      redis,
      queue,
      admission: noAdmission,
      maxWaitMs: 10,
    });
    const event = usageEvent(freshTenant("pending-queued"), {
      quota_pending_at: 1_741_953_600_000,
    });
    await recorder.record(event);
    expect(sent).toEqual([event]);
  });
});
