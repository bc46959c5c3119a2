/**
 * The isolate's one L3 write-back queue per Upstash client and TTL: write-backs are
 * only grouped when requests share a queue, so it must outlive a request. (Moves into
 * the composition root's services with the other per-isolate state.)
 */
import type { Redis } from "@upstash/redis/cloudflare";
import { createWriteBackQueue, type WriteBackQueue } from "./l3-redis-tier";

const queues = new WeakMap<Redis, Map<number, WriteBackQueue>>();

export function writeBackQueueFor(client: Redis, ttlSeconds: number): WriteBackQueue {
  let byTtl = queues.get(client);
  if (byTtl === undefined) queues.set(client, (byTtl = new Map()));
  let queue = byTtl.get(ttlSeconds);
  if (queue === undefined) byTtl.set(ttlSeconds, (queue = createWriteBackQueue(client, ttlSeconds)));
  return queue;
}
