/**
 * The one answer for a suspended tenant, whichever way it authenticated (API key,
 * signed webhook) or whatever it runs (a batch part): 403 `tenant_suspended`.
 */
import { ApiError } from "../errors/api-error";

/** 403 `permission_denied` with code `tenant_suspended`, in OpenAI's envelope. */
export function tenantSuspended(): ApiError {
  return new ApiError(
    "permission_denied",
    "This tenant is suspended. Contact your administrator.",
    { code: "tenant_suspended" },
  );
}
