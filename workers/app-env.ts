/** The one Hono environment type: the Worker's bindings and per-request variables. */
import type { TimingVariables } from "hono/timing";
import type { Services } from "./services";
import type { Principal } from "./tenants/principal";

export interface AppEnv {
  Bindings: Env;
  Variables: TimingVariables & {
    requestId: string;
    /** The isolate's services, set by middleware/init.ts. */
    services: Services;
    principal: Principal;
    /** `POST /v1/index/jobs`: the verified `webhook-id` of a signed webhook, null for an API key. */
    webhookId: string | null;
  };
}
