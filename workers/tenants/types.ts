/**
 * The tenancy records, as stored (JSON in Upstash Redis, the strongly consistent store
 * every isolate reads; see tenants/README in the module headers) and as the admin API
 * shows them. Field names are snake_case because they are the API's.
 */
/**
 * `keys`: the tenant's own credentials through `/v1/keys` and `/v1/webhook-secret`
 * (routes/keys.ts, routes/webhook-secret.ts); a key never grants a scope it lacks.
 */
export const SCOPES = ["embed", "index", "usage", "batch", "keys"] as const;
export type Scope = (typeof SCOPES)[number];

export interface Plan {
  requests_per_minute: number;
  tokens_per_minute: number;
  tokens_per_month: number;
  max_inputs_per_request: number;
}

export type TenantStatus = "active" | "suspended";

export interface Tenant {
  id: string;
  name: string;
  status: TenantStatus;
  plan: Plan;
  created_at: string;
}

export interface ApiKeyRecord {
  /** The key's public id (also its id in the admin API). */
  id: string;
  tenant_id: string;
  name: string | null;
  /** `sk_{env}_{publicId}`: what a key shows of itself in listings and logs. */
  prefix: string;
  /** Hex SHA-256 of the secret part; the secret itself is never stored. */
  secret_sha256: string;
  scopes: Scope[];
  created_at: string;
  revoked_at: string | null;
}

/** A Standard Webhooks signing secret (`whsec_…`), stored as is: signing and verifying need it. */
export interface WebhookSecret {
  secret: string;
  created_at: string;
}

/**
 * A tenant's signing secrets: the current one; after a rotation, the one it replaced,
 * valid until `expires_at`.
 */
export interface WebhookSecretsRecord {
  current: WebhookSecret;
  previous?: WebhookSecret & { expires_at: string };
}

/** The authenticated caller of a `/v1` request. */
export interface Principal {
  tenantId: string;
  keyId: string;
  scopes: readonly Scope[];
  plan: Plan;
}
