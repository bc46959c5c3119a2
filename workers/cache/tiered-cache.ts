/**
 * Lookups go L1 -> L2 -> L3, each tier asked only for what the tiers above missed; a
 * hit in a lower tier is copied into the tiers above it. Writes go to every tier.
 * Fail-open by design: a tier that throws or exceeds its time budget is logged and
 * skipped for this request (its keys count as misses), so a Redis outage lowers the
 * hit rate but never the availability. Writes and fills run in the background
 * (`waitUntil`), off the response path; a tier may hold them briefly to send those of
 * concurrent requests together (L3's write-back queue), and its budget allows for that.
 */
import { encodeRecord, type CacheDtype, type CacheRecord } from "./record";
import type { CacheTier, StoredEntry, TierName } from "./tier";

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

class TierTimeout extends Error {
  override name = "TierTimeout";
}

function withinBudget<T>(work: Promise<T>, ms: number): Promise<T> {
  const signal = AbortSignal.timeout(ms);
  const timeout = new Promise<never>((_, reject) =>
    signal.addEventListener("abort", () => reject(new TierTimeout(`no answer within ${ms} ms`)), { once: true }),
  );
  return Promise.race([work, timeout]);
}

export class TieredCache {
  constructor(private readonly options: TieredCacheOptions) {}

  async lookup(keys: readonly string[]): Promise<LookupResult> {
    const records: (CacheRecord | undefined)[] = new Array(keys.length).fill(undefined);
    const hitsByTier: Record<TierName, number> = { l1: 0, l2: 0, l3: 0 };
    let missing = keys.map((_, i) => i);
    for (const [depth, tier] of this.options.tiers.entries()) {
      if (missing.length === 0) break;
      const found = await this.guarded(tier, "get", () =>
        this.options.timed(`cache-${tier.name}`, () => tier.getMany(missing.map((i) => keys[i]!))),
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
      if (hits.length > 0 && depth > 0) this.fill(this.options.tiers.slice(0, depth), hits);
    }
    return { records, hitsByTier };
  }

  /** Writes new records to every tier, in the background. */
  store(entries: readonly { key: string; record: CacheRecord }[]): void {
    if (entries.length === 0) return;
    this.fill(this.options.tiers, entries.map((e) => ({ ...e, bytes: new Uint8Array(0) })));
  }

  private fill(tiers: readonly CacheTier[], entries: StoredEntry[]): void {
    // Encoded once, lazily, for the tiers that store bytes (L1 keeps the decoded record).
    let encoded: StoredEntry[] | undefined;
    const withBytes = () =>
      (encoded ??= entries.map((e) => ({ ...e, bytes: encodeRecord(e.record, this.options.dtype) })));
    for (const tier of tiers) {
      const batch = tier.name === "l1" ? entries : withBytes();
      this.options.background(this.guarded(tier, "put", () => tier.putMany(batch)));
    }
  }

  private async guarded<T>(tier: CacheTier, op: "get" | "put", work: () => Promise<T>): Promise<T | undefined> {
    try {
      const budget = op === "get" ? this.options.timeoutMs : this.options.timeoutMs * 10 + (this.options.writeWaitMs ?? 0);
      return await withinBudget(work(), budget);
    } catch (err) {
      console.warn(
        JSON.stringify({
          level: "warn",
          event: "cache_tier_skipped",
          tier: tier.name,
          op,
          requestId: this.options.requestId,
          reason: err instanceof Error ? `${err.name}: ${err.message.slice(0, 200)}` : "unknown",
        }),
      );
      return undefined;
    }
  }
}
