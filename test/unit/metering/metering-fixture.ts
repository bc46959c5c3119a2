/**
 * What the metering tests share: a real redis-server behind the Upstash REST bridge,
 * clients on it as the edge configures them (no client retries, so a failure shows at
 * once), and usage events with fresh ids.
 */
import { randomBytes } from "node:crypto";
import { Redis } from "@upstash/redis";
import { BRIDGE_TOKEN } from "../../support/cache-stack";
import {
  newUsageEvent,
  type UsageEvent,
} from "../../../workers/metering/usage-event";

export function bridgeClient(
  url: string,
  options: { enableAutoPipelining?: boolean } = {},
): Redis {
  return new Redis({
    url,
    token: BRIDGE_TOKEN,
    retry: false,
    enableTelemetry: false,
    enableAutoPipelining: options.enableAutoPipelining ?? true,
  });
}

/**
 * A tenant id no other test uses, so aggregates start from zero: well-formed under the one
 * tenant-id rule (workers/tenants/ids.ts, `ten_` + 16 of [0-9A-Za-z]), which usage events
 * follow too. `label` only says what the test is about; it is not part of the id.
 */
export const freshTenant = (_label: string) =>
  `ten_${randomBytes(8).toString("hex")}`;

export function usageEvent(
  tenantId: string,
  fields: Partial<UsageEvent> = {},
): UsageEvent {
  const base = newUsageEvent(
    { tenantId, inputs: 3, tokensComputed: 120, tokensCached: 30, gpuMs: 42 },
    new Date("2025-03-14T12:00:00Z"),
  );
  return { ...base, ...fields };
}

/** A log that keeps its lines for assertions. */
export function recordingLog() {
  const lines: {
    level: string;
    message: string;
    fields: Record<string, unknown>;
  }[] = [];
  return {
    lines,
    log: (
      level: "warn" | "error",
      message: string,
      fields: Record<string, unknown>,
    ) => void lines.push({ level, message, fields }),
  };
}
