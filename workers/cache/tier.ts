/**
 * One cache tier, as the tiered cache sees it. A tier answers a batch of keys at once
 * (Redis does it in one pipelined round trip) and may throw: the tiered cache turns a
 * failure or a timeout into misses for that tier, never into a failed request.
 */
import type { CacheRecord } from "./record";

export type TierName = "l1" | "l2" | "l3";

export interface StoredEntry {
  key: string;
  record: CacheRecord;
  /** The encoded record (`encodeRecord`), shared by the tiers that store bytes. */
  bytes: Uint8Array<ArrayBuffer>;
}

export interface CacheTier {
  readonly name: TierName;
  getMany(keys: readonly string[]): Promise<(CacheRecord | undefined)[]>;
  putMany(entries: readonly StoredEntry[]): Promise<void>;
}
