/** One admission per isolate and configuration, on the tenancy Redis client. */
import type { EdgeConfig } from "../env";
import { tenancyRedis } from "../tenants/tenancy-redis";
import { createAdmission, type Admission } from "./admission";

const admissions = new WeakMap<EdgeConfig, Admission>();

export function admissionFor(config: EdgeConfig): Admission {
  let admission = admissions.get(config);
  if (!admission) {
    admission = createAdmission(tenancyRedis(config), {
      failureMode: config.tenancy.rateLimitFailureMode,
      timeoutMs: config.tenancy.redisTimeoutMs,
    });
    admissions.set(config, admission);
  }
  return admission;
}
