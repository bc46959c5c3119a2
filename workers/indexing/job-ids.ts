/**
 * Job ids sort by creation time (12 hex digits of epoch ms, then randomness), so the
 * tenant's Durable Object lists newest first with one ordered storage scan, and `after`
 * cursors are just ids. The pattern is checked before an id is used in a storage key.
 */
import { randomBase62 } from "../tenants/key-format";

export const JOB_ID_PATTERN = /^job_[0-9a-f]{12}[0-9A-Za-z]{16}$/;

export function newJobId(now = Date.now()): string {
  return `job_${now.toString(16).padStart(12, "0")}${randomBase62(16)}`;
}

export const isJobId = (id: string): boolean => JOB_ID_PATTERN.test(id);
