/**
 * File and batch ids in OpenAI's spelling (`file-…`, `batch_…`), sortable by creation
 * time (12 hex digits of epoch ms, then randomness) so the tenant's Durable Object lists
 * newest first with one ordered scan and `after` cursors are plain ids. Patterns are
 * checked before an id is used in a storage key.
 */
import { randomBase62 } from "../tenants/key-format";

const FILE_ID = /^file-[0-9a-f]{12}[0-9A-Za-z]{16}$/;
const BATCH_ID = /^batch_[0-9a-f]{12}[0-9A-Za-z]{16}$/;

const stamp = (now: number) => now.toString(16).padStart(12, "0");

/** `file-{12 hex ms}{16 base62}` and `batch_{12 hex ms}{16 base62}`. */
export const newFileId = (now = Date.now()): string =>
  `file-${stamp(now)}${randomBase62(16)}`;
export const newBatchId = (now = Date.now()): string =>
  `batch_${stamp(now)}${randomBase62(16)}`;
export const isFileId = (id: string): boolean => FILE_ID.test(id);
export const isBatchId = (id: string): boolean => BATCH_ID.test(id);
