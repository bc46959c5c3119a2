/** The calling tenant's Batches Durable Object (one per tenant; see batches-object.ts). */
import type { Batches } from "./batches-object";

export function batchesFor(
  env: Env,
  tenantId: string,
): DurableObjectStub<Batches> {
  return env.BATCHES.get(
    env.BATCHES.idFromName(tenantId),
  ) as DurableObjectStub<Batches>;
}
