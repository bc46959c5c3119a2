/**
 * The isolate's one usage recorder per configuration: the group commit only batches
 * what shares a recorder, so it must outlive a request. (Moves into the composition
 * root's services with the other per-isolate state.)
 */
import type { EdgeConfig } from "../env";
import { admissionFor } from "../limits/admission-for";
import { tenancyRedis } from "../tenants/tenancy-redis";
import type { UsageQueue } from "./meter-request";
import { createUsageRecorder, type UsageRecorder } from "./usage-recorder";

const recorders = new WeakMap<EdgeConfig, UsageRecorder>();

/** `queue`: the USAGE_QUEUE binding of the same `env` the config was parsed from. */
export function usageRecorderFor(config: EdgeConfig, queue: UsageQueue | undefined): UsageRecorder {
  let recorder = recorders.get(config);
  if (!recorder) {
    recorder = createUsageRecorder({ redis: tenancyRedis(config), queue, admission: admissionFor(config) });
    recorders.set(config, recorder);
  }
  return recorder;
}
