/**
 * Request and response schemas of the tenant self-service API (`/v1/keys`,
 * `/v1/account`): one zod schema per shape, validating requests and generating the
 * OpenAPI document. Request objects are strict (an unknown field is a 400 naming it).
 * A key as a tenant sees it never holds its secret or its hash; the secret is in the
 * creation answer only.
 */
import { z } from "@hono/zod-openapi";
import { nameSchema, scopesSchema } from "./admin-schemas";
import { PlanSchema, TenantSchema, type ApiKeyView } from "./records";
import { SCOPES } from "./records";

export const CreateOwnKeySchema = z
  .strictObject({
    name: nameSchema("name").nullable().optional(),
    scopes: scopesSchema.optional().openapi({
      description:
        "Default: the calling key's scopes. Never more than the calling key has (403).",
    }),
  })
  .openapi("CreateOwnKeyRequest");

const keyFields = {
  id: z.string().openapi({
    example: "Xq3v9TzL0aBcDeFg",
    description: "The key's public id.",
  }),
  name: z.string().nullable(),
  prefix: z.string().openapi({
    example: "sk_live_Xq3v9TzL0aBcDeFg",
    description:
      "What the key shows of itself: `sk_{env}_{id}`, the key without its secret.",
  }),
  scopes: z.array(z.enum(SCOPES)),
  status: z.enum(["active", "revoked"]),
  created_at: z.string().openapi({ format: "date-time" }),
  revoked_at: z.string().nullable().openapi({ format: "date-time" }),
};

export const OwnKeySchema = z
  .object({ object: z.literal("api_key"), ...keyFields })
  .openapi("OwnApiKey", {
    description: "One of the tenant's keys: never its secret nor its hash.",
  });

export const CreatedOwnKeySchema = z
  .object({
    object: z.literal("api_key"),
    ...keyFields,
    key: z.string().openapi({
      description:
        "The full API key. Shown only in this response; store it now.",
    }),
  })
  .openapi("CreatedOwnApiKey");

export const OwnKeyListSchema = z
  .object({ object: z.literal("list"), data: z.array(OwnKeySchema) })
  .openapi("OwnApiKeyList");

export type OwnKey = z.infer<typeof OwnKeySchema>;

/** What a tenant sees of one of its keys. */
export function ownKey(view: ApiKeyView): OwnKey {
  return {
    object: "api_key",
    id: view.id,
    name: view.name,
    prefix: view.prefix,
    scopes: view.scopes,
    status: view.revoked_at === null ? "active" : "revoked",
    created_at: view.created_at,
    revoked_at: view.revoked_at,
  };
}

const count = (description: string) =>
  z.number().int().nonnegative().openapi({ description });

export const MonthToDateSchema = z
  .object({
    month: z
      .string()
      .openapi({ example: "2026-11", description: "The UTC calendar month." }),
    from: z
      .string()
      .openapi({ example: "2026-11-01", description: "Its first day." }),
    to: z.string().openapi({
      example: "2026-11-29",
      description: "Today (UTC), included.",
    }),
    requests: count("Requests served, all lanes."),
    inputs: count("Inputs embedded or served from the cache."),
    tokens_computed: count("Tokens embedded on a GPU."),
    tokens_cached: count("Tokens served from the cache."),
    tokens: count(
      "tokens_computed + tokens_cached: what the monthly quota counts.",
    ),
    gpu_ms: count("GPU milliseconds spent on the tenant's misses."),
  })
  .openapi("MonthToDate", {
    description:
      "Sums of the tenant's daily usage (as `GET /v1/usage` reports it) over the month so far.",
  });

export const AccountSchema = z
  .object({
    object: z.literal("account"),
    tenant_id: z.string().openapi({ example: "ten_4fQm0uB1r6ZkX9aE" }),
    name: z.string(),
    status: TenantSchema.shape.status,
    plan: PlanSchema,
    key: z
      .object({ id: z.string(), scopes: z.array(z.enum(SCOPES)) })
      .openapi({ description: "The key this request was made with." }),
    month_to_date: MonthToDateSchema,
    quota: z
      .object({
        tokens_per_month: count("The plan's monthly token quota."),
        tokens_used: count(
          "month_to_date.tokens: tokens metered so far this month.",
        ),
        tokens_charged: count(
          "The quota counter admission decides on: tokens charged to this month, including " +
            "grants edge isolates hold but have not used yet (at most a lease each), so it " +
            "can run slightly ahead of tokens_used. 0 when rate limits are off.",
        ),
        tokens_remaining: count(
          "max(0, tokens_per_month − max(tokens_used, tokens_charged)).",
        ),
        resets_at: z.string().openapi({
          format: "date-time",
          description: "Start of the next UTC month.",
        }),
      })
      .openapi({ description: "The month so far against the plan's quota." }),
  })
  .openapi("Account");
