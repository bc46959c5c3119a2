/**
 * Lookups go L1 -> L2 -> L3, each tier asked only for what the tiers above missed; a
 * hit in a lower tier is copied into the tiers above it. Writes go to every tier.
 * Fail-open by design: a tier that throws or exceeds its time budget is logged and
 * skipped for this request (its keys count as misses), so a Redis outage lowers the
 * hit rate but never the availability. Writes and fills run in the background
 * (`waitUntil`), off the response path; a tier may hold them briefly to send those of
 * concurrent requests together (L3's write-back queue), and its budget allows for that.
 */
import { forEachChunk } from "../cpu/map-in-chunks";
import { withTimeout } from "../timeout/with-timeout";
import { encodeRecord, type CacheDtype, type CacheRecord } from "./record";
import type { CacheTier, StoredEntry, TierName } from "./tier";

/**
 * Records per write to the tiers that store bytes: one Redis pipeline (one HTTP body),
 * one round of Cache API puts. The write-back used to encode every record in one
 * synchronous block and send them all as one pipeline: ~14 MB for a 2,048-input batch
 * (2,048 x ~6.9 KB of base64 at float16), over Upstash's 10 MB request limit
 * (https://upstash.com/docs/redis/troubleshooting/max_request_size_exceeded) and the
 * local bridge's 10 MiB one, both of which refuse it unread, so the whole batch was
 * never cached; ~8 MB for 1,200 inputs, which the client's per-call timeout (the tier
 * budget, 100 ms by default) aborts mid-upload. Under `wrangler dev` that write was cut
 * mid-body (workerd: "Broken pipe", "Network connection lost") and the next request got
 * wrangler's 503 "Your worker restarted mid-request" (reproduced at 1,200 and 2,048
 * inputs; not seen since with these bounded writes and the yielding of
 * workers/cpu/map-in-chunks.ts, the other half of that failure). 100 records are ~690 KB
 * of base64 at float16: under 1 MB, Upstash's smallest request limit, and exactly what one
 * L3 write-back flush carries (L3_WRITE_LIMIT uses this number), so a big batch's chunk
 * fills a flush and goes out at once instead of waiting out the flush window.
 */
export const WRITE_BACK_CHUNK_RECORDS = 100;

export interface TieredCacheOptions {
  tiers: readonly CacheTier[];
  timeoutMs: number;
  /** Longest a tier may hold a write before sending it (L3's write-back wait), added to the write budget. */
  writeWaitMs?: number;
  dtype: CacheDtype;
  /** Keeps background writes alive after the response (ExecutionContext.waitUntil). */
  background(work: Promise<unknown>): void;
  /** Records a tier's lookup time (server-timing). */
  timed<T>(metric: string, step: () => Promise<T>): Promise<T>;
  requestId?: string;
}

export interface LookupResult {
  records: (CacheRecord | undefined)[];
  hitsByTier: Record<TierName, number>;
}

export class TieredCache {
  constructor(private readonly options: TieredCacheOptions) {}

  async lookup(keys: readonly string[]): Promise<LookupResult> {
    const records: (CacheRecord | undefined)[] = new Array(keys.length).fill(
      undefined,
    );
    const hitsByTier: Record<TierName, number> = { l1: 0, l2: 0, l3: 0 };
    let missing = keys.map((_, i) => i);
    for (const [depth, tier] of this.options.tiers.entries()) {
      if (missing.length === 0) break;
      const found = await this.guarded(tier, "get", () =>
        this.options.timed(`cache-${tier.name}`, () =>
          tier.getMany(missing.map((i) => keys[i]!)),
        ),
      );
      if (!found) continue;
      const hits: StoredEntry[] = [];
      missing = missing.filter((index, j) => {
        const record = found[j];
        if (!record) return true;
        records[index] = record;
        hits.push({ key: keys[index]!, record, bytes: new Uint8Array(0) });
        return false;
      });
      hitsByTier[tier.name] += hits.length;
      if (hits.length > 0 && depth > 0)
        this.fill(this.options.tiers.slice(0, depth), hits);
    }
    return { records, hitsByTier };
  }

  /** Writes new records to every tier, in the background. */
  store(entries: readonly { key: string; record: CacheRecord }[]): void {
    if (entries.length === 0) return;
    this.fill(
      this.options.tiers,
      entries.map((e) => ({ ...e, bytes: new Uint8Array(0) })),
    );
  }

  /**
   * L1 takes the decoded records at once; the tiers that store bytes get them in chunks of
   * `WRITE_BACK_CHUNK_RECORDS`, one chunk at a time, each encoded just before it is sent
   * (so a large batch never holds every encoded record at once, and yields between
   * chunks), each write with its own time budget.
   */
  private fill(tiers: readonly CacheTier[], entries: StoredEntry[]): void {
    const byteTiers = tiers.filter((tier) => tier.name !== "l1");
    for (const tier of tiers) {
      if (tier.name === "l1")
        this.options.background(
          this.guarded(tier, "put", () => tier.putMany(entries)),
        );
    }
    if (byteTiers.length === 0) return;
    this.options.background(
      forEachChunk(
        entries,
        async (chunk) => {
          const encoded = chunk.map((e) => ({
            ...e,
            bytes: encodeRecord(e.record, this.options.dtype),
          }));
          await Promise.all(
            byteTiers.map((tier) =>
              this.guarded(tier, "put", () => tier.putMany(encoded)),
            ),
          );
        },
        WRITE_BACK_CHUNK_RECORDS,
      ),
    );
  }

  private async guarded<T>(
    tier: CacheTier,
    op: "get" | "put",
    work: () => Promise<T>,
  ): Promise<T | undefined> {
    try {
      // L1 is this isolate's memory: nothing to wait for, so no budget (and no timer).
      if (tier.name === "l1") return await work();
      const budget =
        op === "get"
          ? this.options.timeoutMs
          : this.options.timeoutMs * 10 + (this.options.writeWaitMs ?? 0);
      return await withTimeout(`cache ${tier.name} ${op}`, budget, work());
    } catch (err) {
      console.warn(
        JSON.stringify({
          level: "warn",
          event: "cache_tier_skipped",
          tier: tier.name,
          op,
          requestId: this.options.requestId,
          reason:
            err instanceof Error
              ? `${err.name}: ${err.message.slice(0, 200)}`
              : "unknown",
        }),
      );
      return undefined;
    }
  }
}
