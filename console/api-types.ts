/**
 * The API answers the console reads, as the Worker defines them: each type is `z.infer`
 * of the zod schema that also validates or documents it in /openapi.json. Imported as
 * types only, so the browser bundle carries none of the Worker's code.
 */
import type { z } from "@hono/zod-openapi";
import type { WebhookSecretInfoSchema } from "../workers/tenants/admin-schemas";
import type { ApiKeyListSchema } from "../workers/tenants/admin-schemas";
import type {
  AccountSchema,
  CreatedOwnKeySchema,
  MonthToDateSchema,
  OwnKeyListSchema,
} from "../workers/tenants/self-service-schemas";
import type { Tenant } from "../workers/tenants/records";

export type { CursorPage } from "../workers/routes/cursor-page";
export type { UsageReport } from "../workers/metering/usage-report";
export type { Plan, Tenant, ApiKeyView } from "../workers/tenants/records";
export type { OwnKey } from "../workers/tenants/self-service-schemas";
export type { JobView } from "../workers/indexing/job-records";
export type { BatchView } from "../workers/batches/batch-records";

/** `GET /admin/v1/tenants/{id}/keys`. */
export type ApiKeyList = z.infer<typeof ApiKeyListSchema>;
/** `GET /v1/keys`. */
export type OwnKeyList = z.infer<typeof OwnKeyListSchema>;
/** `POST /v1/keys`: the key with its secret, shown once. */
export type CreatedOwnKey = z.infer<typeof CreatedOwnKeySchema>;
/** `GET /v1/account`. */
export type Account = z.infer<typeof AccountSchema>;
/** `GET /v1/webhook-secret`. */
export type WebhookSecretInfo = z.infer<typeof WebhookSecretInfoSchema>;
/** One row of `GET /admin/v1/tenants`. */
export type TenantWithUsage = Tenant & {
  month_to_date: z.infer<typeof MonthToDateSchema>;
};
