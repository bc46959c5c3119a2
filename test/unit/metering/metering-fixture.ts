/**
 * What the metering tests share: a real redis-server behind the Upstash REST bridge,
 * clients on it as the edge configures them (no client retries, so a failure shows at
 * once), and usage events with fresh ids.
 */
import { Redis } from "@upstash/redis";
import { BRIDGE_TOKEN } from "../../support/cache-stack";
import { newUsageEvent, type UsageEvent } from "../../../workers/metering/usage-event";

export function bridgeClient(url: string, options: { enableAutoPipelining?: boolean } = {}): Redis {
  return new Redis({ url, token: BRIDGE_TOKEN, retry: false, enableTelemetry: false, enableAutoPipelining: options.enableAutoPipelining ?? true });
}

let unique = 0;

/** A tenant id no other test uses, so aggregates start from zero. */
export const freshTenant = (label: string) => `ten_${label}_${process.pid}_${Date.now()}_${unique++}`;

export function usageEvent(tenantId: string, fields: Partial<UsageEvent> = {}): UsageEvent {
  const base = newUsageEvent({ tenantId, inputs: 3, tokensComputed: 120, tokensCached: 30, gpuMs: 42 }, new Date("2025-03-14T12:00:00Z"));
  return { ...base, ...fields };
}

/** A log that keeps its lines for assertions. */
export function recordingLog() {
  const lines: { level: string; message: string; fields: Record<string, unknown> }[] = [];
  return {
    lines,
    log: (level: "warn" | "error", message: string, fields: Record<string, unknown>) => void lines.push({ level, message, fields }),
  };
}
