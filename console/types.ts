/**
 * The shapes of the API answers the console reads, as documented in /openapi.json
 * (workers/routes/*.ts). Only the fields the console shows are listed.
 */

/** One day (or the totals) of `GET /v1/usage` and `GET /admin/v1/tenants/{id}/usage`. */
export interface UsageFigures {
  requests: number;
  inputs: number;
  tokens_computed: number;
  tokens_cached: number;
  gpu_ms: number;
  estimated_cost_usd: number;
  estimated_savings_usd: number;
}

export interface UsageReport {
  object: "list";
  data: (UsageFigures & { date: string })[];
  totals: UsageFigures;
}

export interface Plan {
  requests_per_minute: number;
  tokens_per_minute: number;
  tokens_per_month: number;
  max_inputs_per_request: number;
}

export interface Tenant {
  id: string;
  name: string;
  status: "active" | "suspended";
  plan: Plan;
  created_at: string;
}

export interface ApiKey {
  id: string;
  name: string | null;
  prefix: string;
  scopes: string[];
  created_at: string;
  revoked_at: string | null;
}

export interface CreatedKey {
  id: string;
  key: string;
  prefix: string;
  scopes: string[];
  created_at: string;
}

export interface ListPage<T> {
  object: "list";
  data: T[];
  has_more: boolean;
  last_id?: string | null;
}

export interface IndexJob {
  id: string;
  status: string;
  counts: {
    documents: number;
    documents_processed: number;
    chunks: number;
    chunks_from_cache: number;
    chunks_computed: number;
    failed: number;
  };
  created_at: number;
  last_error: { code: string; message: string } | null;
}

export interface Batch {
  id: string;
  status: string;
  created_at: number;
  request_counts: { total: number; completed: number; failed: number };
  output_file_id: string | null;
  error_file_id: string | null;
}
