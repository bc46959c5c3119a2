/**
 * Request and response schemas of the admin API (`/admin/v1`) beyond the records
 * themselves (records.ts). One zod schema per body validates requests (through the
 * routes' validation hook) and generates the OpenAPI document. Request objects are
 * strict: an unknown field is a 400 naming it, like `/v1/embeddings`.
 */
import { z } from "@hono/zod-openapi";
import { DEFAULT_PLAN, PLAN_BOUNDS, PLAN_FIELDS } from "./default-plan";
import { ApiKeySchema, SCOPES, TenantSchema } from "./records";
import type { Plan } from "./records";
import {
  DEFAULT_WEBHOOK_GRACE_SECONDS,
  MAX_WEBHOOK_GRACE_SECONDS,
} from "../webhooks/secret-format";

const NAME_MAX = 200;

/** A trimmed, non-empty name of at most 200 characters; messages name `param`. */
export const nameSchema = (param: string) =>
  z
    .string({
      error: (issue) =>
        issue.input === undefined
          ? `'${param}' is a required property.`
          : `'${param}' must be a string.`,
    })
    .trim()
    .min(1, { error: `'${param}' cannot be empty.` })
    .max(NAME_MAX, {
      error: `'${param}' must be at most ${NAME_MAX} characters.`,
    });

function planFieldSchema(field: keyof Plan) {
  const message = `'plan.${field}' must be an integer between 1 and ${PLAN_BOUNDS[field]}.`;
  return z
    .number({ error: message })
    .int({ error: message })
    .min(1, { error: message })
    .max(PLAN_BOUNDS[field], { error: message })
    .openapi({ example: DEFAULT_PLAN[field] });
}

const planShape = Object.fromEntries(
  PLAN_FIELDS.map((f) => [f, planFieldSchema(f)]),
) as Record<keyof Plan, ReturnType<typeof planFieldSchema>>;

export const PlanPatchSchema = z
  .strictObject(planShape)
  .partial()
  .openapi("PlanPatch", {
    description:
      "Fields to set; the others keep their value (the defaults, at creation).",
  });

const statusSchema = z.enum(TenantSchema.shape.status.options, {
  error: "'status' must be 'active' or 'suspended'.",
});

/** A non-empty list of known scopes, for key creation (admin and self-service). */
export const scopesSchema = z
  .array(
    z.enum(SCOPES, {
      error: `Each scope must be one of: ${SCOPES.join(", ")}.`,
    }),
    { error: "'scopes' must be an array of scopes." },
  )
  .min(1, { error: "'scopes' must name at least one scope." })
  .openapi({ example: ["embed", "usage"] });

export const CreateTenantSchema = z
  .strictObject({ name: nameSchema("name"), plan: PlanPatchSchema.optional() })
  .openapi("CreateTenantRequest");

export const PatchTenantSchema = z
  .strictObject({
    name: nameSchema("name").optional(),
    plan: PlanPatchSchema.optional(),
    status: statusSchema.optional(),
  })
  .refine((patch) => Object.keys(patch).length > 0, {
    error: "Give at least one of 'name', 'plan', 'status'.",
  })
  .openapi("PatchTenantRequest");

export const CreateKeySchema = z
  .strictObject({
    name: nameSchema("name").nullable().optional(),
    scopes: scopesSchema.optional(),
  })
  .openapi("CreateKeyRequest");

export const CreatedKeySchema = ApiKeySchema.pick({
  id: true,
  prefix: true,
  scopes: true,
  created_at: true,
})
  .extend({
    key: z.string().openapi({
      description:
        "The full API key. Shown only in this response; store it now.",
    }),
  })
  .openapi("CreatedApiKey");

export const ApiKeyListSchema = z
  .object({ object: z.literal("list"), data: z.array(ApiKeySchema) })
  .openapi("ApiKeyList");

const graceMessage = `'grace_seconds' must be an integer between 0 and ${MAX_WEBHOOK_GRACE_SECONDS}.`;

export const RotateWebhookSecretSchema = z
  .strictObject({
    grace_seconds: z
      .number({ error: graceMessage })
      .int({ error: graceMessage })
      .min(0, { error: graceMessage })
      .max(MAX_WEBHOOK_GRACE_SECONDS, { error: graceMessage })
      .optional()
      .openapi({
        description: `How long the replaced secret still verifies, in seconds; 0 ends it at once. Default ${DEFAULT_WEBHOOK_GRACE_SECONDS}.`,
        example: DEFAULT_WEBHOOK_GRACE_SECONDS,
      }),
  })
  .openapi("RotateWebhookSecretRequest");

const webhookSecretFields = {
  object: z.literal("webhook_secret"),
  tenant_id: z.string().openapi({ example: "ten_4fQm0uB1r6ZkX9aE" }),
};
const previousExpiresAt = z.string().nullable().openapi({
  format: "date-time",
  description:
    "Until when the replaced secret still verifies; null when none does.",
});

export const RotatedWebhookSecretSchema = z
  .object({
    ...webhookSecretFields,
    secret: z.string().openapi({
      description:
        "The new Standard Webhooks signing secret (`whsec_` + base64 of 32 bytes). Shown only in this response; store it now.",
      example: "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
    }),
    created_at: z.string().openapi({ format: "date-time" }),
    previous_expires_at: previousExpiresAt,
  })
  .openapi("RotatedWebhookSecret");

export const WebhookSecretInfoSchema = z
  .object({
    ...webhookSecretFields,
    has_secret: z.boolean(),
    created_at: z.string().nullable().openapi({
      format: "date-time",
      description: "When the current secret was made; null when there is none.",
    }),
    previous_expires_at: previousExpiresAt,
  })
  .openapi("WebhookSecretInfo", {
    description:
      "What the admin API shows of a tenant's webhook signing secret: never the secret itself.",
  });
