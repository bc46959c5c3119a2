/** The calling tenant's IndexJobs Durable Object (one per tenant; see jobs-object.ts). */
import type { IndexJobs } from "./jobs-object";

export function jobsFor(
  env: Env,
  tenantId: string,
): DurableObjectStub<IndexJobs> {
  return env.INDEX_JOBS.get(
    env.INDEX_JOBS.idFromName(tenantId),
  ) as DurableObjectStub<IndexJobs>;
}
