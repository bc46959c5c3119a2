/**
 * What each CLI command sends to the admin API. Flags are read with node:util
 * parseArgs (cli.ts); this table says which exist, what they mean, and the request
 * they become. Values are checked only as far as building the request needs: the
 * API's validation is the one that counts, and its message is what the user sees.
 */
import type { AdminClient } from "./admin-client";
import { CliFailure } from "./admin-client";

export interface OptionSpec {
  value: string;
  description: string;
  required?: boolean;
}

export interface CommandSpec {
  /** The words that select it, e.g. ["keys", "create"]. */
  words: string[];
  positionals: string[];
  options: Record<string, OptionSpec>;
  summary: string;
  details?: string;
  /** Printed on stderr after a success, e.g. that a secret in the answer is shown only once. */
  notice?: string;
  run(input: {
    positionals: string[];
    values: Record<string, string | undefined>;
    client: AdminClient;
  }): Promise<unknown>;
}

const path = (...parts: string[]) =>
  "/admin/v1/" + parts.map(encodeURIComponent).join("/");
const usageError = (message: string) => new CliFailure(message, 2);

const PLAN_FLAGS = {
  "requests-per-minute": "requests_per_minute",
  "tokens-per-minute": "tokens_per_minute",
  "tokens-per-month": "tokens_per_month",
  "max-inputs": "max_inputs_per_request",
} as const;

function planFromFlags(
  values: Record<string, string | undefined>,
): Record<string, number> {
  const plan: Record<string, number> = {};
  for (const [flag, field] of Object.entries(PLAN_FLAGS)) {
    const text = values[flag];
    if (text === undefined) continue;
    if (!/^\d+$/.test(text))
      throw usageError(`--${flag} must be a whole number, got '${text}'`);
    plan[field] = Number(text);
  }
  if (Object.keys(plan).length === 0)
    throw usageError(
      `give at least one of ${Object.keys(PLAN_FLAGS)
        .map((f) => `--${f}`)
        .join(", ")}`,
    );
  return plan;
}

function graceFromFlag(text: string | undefined): { grace_seconds?: number } {
  if (text === undefined) return {};
  if (!/^\d+$/.test(text))
    throw usageError(`--grace-seconds must be a whole number, got '${text}'`);
  return { grace_seconds: Number(text) };
}

function planFromJson(text: string): unknown {
  let plan: unknown;
  try {
    plan = JSON.parse(text);
  } catch {
    throw usageError("--plan-json is not valid JSON");
  }
  if (typeof plan !== "object" || plan === null || Array.isArray(plan))
    throw usageError("--plan-json must be a JSON object");
  return plan;
}

export const COMMANDS: CommandSpec[] = [
  {
    words: ["tenants", "create"],
    positionals: [],
    options: {
      name: { value: "NAME", description: "the tenant's name", required: true },
      "plan-json": {
        value: "JSON",
        description:
          "plan fields to set, e.g. '{\"requests_per_minute\":60}'; others take the defaults",
      },
    },
    summary: "Create a tenant",
    run: ({ values, client }) =>
      client.request("POST", path("tenants"), {
        name: values.name,
        ...(values["plan-json"] === undefined
          ? {}
          : { plan: planFromJson(values["plan-json"]) }),
      }),
  },
  {
    words: ["tenants", "get"],
    positionals: ["TENANT_ID"],
    options: {},
    summary: "Show a tenant",
    run: ({ positionals: [id], client }) =>
      client.request("GET", path("tenants", id!)),
  },
  {
    words: ["tenants", "list"],
    positionals: [],
    options: {
      limit: {
        value: "N",
        description: "tenants per page, 1 to 100 (default: 20)",
      },
      after: {
        value: "TENANT_ID",
        description: "the last id of the previous page (its `last_id`)",
      },
      status: {
        value: "STATUS",
        description: "only tenants that are 'active' or 'suspended'",
      },
    },
    summary: "List tenants, newest first, with month-to-date usage",
    details:
      "One page; when `has_more` is true, pass its `last_id` as --after for the next.",
    run: ({ values, client }) => {
      const query = new URLSearchParams();
      for (const flag of ["limit", "after", "status"] as const) {
        if (values[flag] !== undefined) query.set(flag, values[flag]);
      }
      return client.request(
        "GET",
        `${path("tenants")}${query.size > 0 ? `?${query}` : ""}`,
      );
    },
  },
  {
    words: ["tenants", "reindex"],
    positionals: [],
    options: {},
    summary: "Add tenants made before the tenant list existed to it",
    details:
      "Walks the whole tenancy store, a bounded step per request, until done; safe to run again.",
    run: async ({ client }) => {
      let cursor = "0";
      let indexed = 0;
      for (;;) {
        const answer = await client.request(
          "POST",
          path("tenants", "reindex"),
          { cursor },
        );
        const step = answer as {
          indexed: number;
          cursor: string;
          done: boolean;
        };
        indexed += step.indexed;
        cursor = step.cursor;
        if (step.done) return { object: "tenant_index", indexed, done: true };
      }
    },
  },
  {
    words: ["tenants", "set-plan"],
    positionals: ["TENANT_ID"],
    options: {
      "requests-per-minute": { value: "N", description: "requests per minute" },
      "tokens-per-minute": { value: "N", description: "tokens per minute" },
      "tokens-per-month": {
        value: "N",
        description: "tokens per calendar month (UTC)",
      },
      "max-inputs": {
        value: "N",
        description: "inputs per /v1/embeddings request",
      },
    },
    summary: "Change plan limits",
    details: "Only the limits given change; the others keep their value.",
    run: ({ positionals: [id], values, client }) =>
      client.request("PATCH", path("tenants", id!), {
        plan: planFromFlags(values),
      }),
  },
  {
    words: ["tenants", "suspend"],
    positionals: ["TENANT_ID"],
    options: {},
    summary: "Suspend a tenant",
    details: "Its keys are refused (403) everywhere within seconds.",
    run: ({ positionals: [id], client }) =>
      client.request("PATCH", path("tenants", id!), { status: "suspended" }),
  },
  {
    words: ["tenants", "activate"],
    positionals: ["TENANT_ID"],
    options: {},
    summary: "Reactivate a suspended tenant",
    run: ({ positionals: [id], client }) =>
      client.request("PATCH", path("tenants", id!), { status: "active" }),
  },
  {
    words: ["keys", "create"],
    positionals: ["TENANT_ID"],
    options: {
      name: { value: "NAME", description: "a label for the key" },
      scopes: {
        value: "LIST",
        description:
          "comma-separated scopes: embed, index, usage, batch, keys (default: all)",
      },
    },
    summary: "Create an API key",
    details:
      "The full key is printed once, in `key`: store it now, it cannot be shown again.",
    notice: "The key is shown only this once: store it now.",
    run: ({ positionals: [id], values, client }) =>
      client.request("POST", path("tenants", id!, "keys"), {
        ...(values.name === undefined ? {} : { name: values.name }),
        ...(values.scopes === undefined
          ? {}
          : {
              scopes: values.scopes
                .split(",")
                .map((s) => s.trim())
                .filter(Boolean),
            }),
      }),
  },
  {
    words: ["keys", "list"],
    positionals: ["TENANT_ID"],
    options: {},
    summary: "List a tenant's keys (never their secrets)",
    run: ({ positionals: [id], client }) =>
      client.request("GET", path("tenants", id!, "keys")),
  },
  {
    words: ["keys", "revoke"],
    positionals: ["KEY_ID"],
    options: {},
    summary: "Revoke an API key",
    details:
      "Refused everywhere within seconds. Revoking a revoked key succeeds and changes nothing.",
    run: async ({ positionals: [id], client }) => {
      await client.request("DELETE", path("keys", id!));
      return { id, revoked: true };
    },
  },
  {
    words: ["webhook-secret", "rotate"],
    positionals: ["TENANT_ID"],
    options: {
      "grace-seconds": {
        value: "N",
        description:
          "how long the replaced secret still verifies, 0 to 604800 (default: 86400; 0 ends it now)",
      },
    },
    summary: "Make a new webhook signing secret",
    details:
      "The secret (whsec_…) is printed once, in `secret`: store it now, it cannot be shown again. The replaced secret still verifies until `previous_expires_at`.",
    notice: "The secret is shown only this once: store it now.",
    run: ({ positionals: [id], values, client }) =>
      client.request(
        "POST",
        path("tenants", id!, "webhook-secret"),
        graceFromFlag(values["grace-seconds"]),
      ),
  },
  {
    words: ["webhook-secret", "show"],
    positionals: ["TENANT_ID"],
    options: {},
    summary: "Describe a tenant's webhook secret (never the secret itself)",
    run: ({ positionals: [id], client }) =>
      client.request("GET", path("tenants", id!, "webhook-secret")),
  },
  {
    words: ["usage"],
    positionals: ["TENANT_ID"],
    options: {
      from: {
        value: "YYYY-MM-DD",
        description:
          "first UTC day, inclusive (default: the first day of --to's month)",
      },
      to: {
        value: "YYYY-MM-DD",
        description: "last UTC day, inclusive (default: today)",
      },
    },
    summary: "Show a tenant's usage per UTC day",
    run: ({ positionals: [id], values, client }) => {
      const query = new URLSearchParams();
      for (const flag of ["from", "to"] as const)
        if (values[flag] !== undefined) query.set(flag, values[flag]);
      const suffix = query.size > 0 ? `?${query}` : "";
      return client.request("GET", `${path("tenants", id!, "usage")}${suffix}`);
    },
  },
];
