/**
 * One GPU pool per isolate and configuration, so the circuit breakers and connection
 * reuse outlive a single request.
 */
import { createGpuPool } from "./pool";
import type { GpuPoolConfig } from "./types";

const pools = new WeakMap<GpuPoolConfig, ReturnType<typeof createGpuPool>>();

export function gpuPoolFor(config: GpuPoolConfig): ReturnType<typeof createGpuPool> {
  let pool = pools.get(config);
  if (!pool) {
    pool = createGpuPool(config);
    pools.set(config, pool);
  }
  return pool;
}
