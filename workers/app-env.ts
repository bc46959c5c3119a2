/** The one Hono environment type: the Worker's bindings and per-request variables. */
import type { TimingVariables } from "hono/timing";
import type { Principal } from "./tenants/types";

export interface AppEnv {
  Bindings: Env;
  Variables: TimingVariables & {
    requestId: string;
    principal: Principal;
  };
}
