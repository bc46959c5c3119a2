/** The authenticated caller of a `/v1` request, set by middleware/auth.ts. */
import type { Plan, Scope } from "./records";

/** Who a verified API key speaks for, and what it may do. */
export interface Principal {
  tenantId: string;
  keyId: string;
  scopes: readonly Scope[];
  plan: Plan;
}
