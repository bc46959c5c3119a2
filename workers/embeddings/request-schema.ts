/**
 * The `/v1/embeddings` request: OpenAI's CreateEmbeddingRequest plus our `input_type`
 * and `instruction` extensions. One zod schema serves validation and the generated
 * OpenAPI document. Checks that need a precise `param` (which item of `input` is bad)
 * are written as refinements with exact paths, so an error names `input[3]` rather
 * than a union's generic complaint.
 *
 * Whitespace-only strings are valid input (OpenAI embeds them; see prepare-inputs.ts);
 * only the empty string is refused, as OpenAI does. `instruction` must say something
 * (not blank) and only goes with queries: with `input_type: "document"` it would be
 * silently dropped, so that combination is a 400 naming `instruction`.
 */
import { z } from "@hono/zod-openapi";
import { PUBLIC_MODEL_ID } from "../env";
import { paramOf } from "../errors/schema-error";
import { isBlankToSglang } from "./sglang-blank-text";

export const MAX_INPUTS = 2048;
export const MIN_DIMENSIONS = 32;
export const FULL_DIMENSIONS = 2560;
/** Qwen3's tokenizer has 151,669 ids (151,643 BPE + 26 added); anything above is no token. */
export const MAX_TOKEN_ID = 151_668;

/** `input_type` (extension), shared by every request that embeds: `/v1/embeddings`, index jobs. */
export const InputTypeSchema = z.enum(["query", "document"], { error: "'input_type' must be 'query' or 'document'." });

/** `instruction` (extension): the task for queries; must say something (not blank to SGLang). */
export const InstructionSchema = z
  .string({ error: "'instruction' must be a string." })
  .min(1, { error: "'instruction' cannot be empty." })
  .max(4096, { error: "'instruction' must be at most 4096 characters." })
  .refine((text) => !isBlankToSglang(text), { error: "'instruction' cannot be only whitespace." })
  .openapi({ description: "Task description for queries; implies input_type 'query'. Not with input_type 'document'." });

/** An instruction only means something for queries: with `input_type: "document"` it would be dropped, so 400. */
export function refuseInstructionForDocuments(
  request: { instruction?: string | undefined; input_type?: "query" | "document" | undefined },
  ctx: z.RefinementCtx,
): void {
  if (request.instruction !== undefined && request.input_type === "document") {
    ctx.addIssue({
      code: "custom",
      path: ["instruction"],
      message: "'instruction' applies only to queries; it cannot be used with input_type 'document'.",
    });
  }
}

export type EmbeddingInput =
  | { kind: "text"; items: string[] }
  | { kind: "tokens"; items: number[][] };

const isTokenId = (v: unknown): v is number =>
  typeof v === "number" && Number.isInteger(v) && v >= 0 && v <= MAX_TOKEN_ID;

const badTokenMessage = `must be an integer token id between 0 and ${MAX_TOKEN_ID}`;

function checkTokenArray(ids: unknown[], path: (string | number)[], ctx: z.RefinementCtx): boolean {
  if (ids.length === 0) {
    ctx.addIssue({ code: "custom", path, message: "A token-id input cannot be an empty array." });
    return false;
  }
  const bad = ids.findIndex((v) => !isTokenId(v));
  if (bad >= 0) {
    ctx.addIssue({ code: "custom", path: [...path, bad], message: `Token at ${paramOf(["input", ...path, bad])} ${badTokenMessage}.` });
    return false;
  }
  return true;
}


const InputSchema = z
  .unknown()
  .transform((value, ctx): EmbeddingInput => {
    if (value === undefined || value === null) {
      ctx.addIssue({ code: "custom", message: "'input' is a required property." });
      return z.NEVER;
    }
    if (typeof value === "string") {
      if (value.length === 0) ctx.addIssue({ code: "custom", message: "Input cannot be an empty string." });
      return { kind: "text", items: [value] };
    }
    if (!Array.isArray(value)) {
      ctx.addIssue({ code: "custom", message: "Input must be a string, an array of strings, an array of token ids, or an array of token-id arrays." });
      return z.NEVER;
    }
    if (value.length === 0) {
      ctx.addIssue({ code: "custom", message: "Input cannot be an empty array." });
      return z.NEVER;
    }
    if (value.every((v) => typeof v === "number")) {
      checkTokenArray(value, [], ctx);
      return { kind: "tokens", items: [value as number[]] };
    }
    if (value.length > MAX_INPUTS) {
      ctx.addIssue({ code: "custom", message: `Input must have at most ${MAX_INPUTS} items; got ${value.length}.` });
      return z.NEVER;
    }
    if (typeof value[0] === "string") {
      value.forEach((v, i) => {
        if (typeof v !== "string") ctx.addIssue({ code: "custom", path: [i], message: `Input [${i}] must be a string like the other items.` });
        else if (v.length === 0) ctx.addIssue({ code: "custom", path: [i], message: `Input [${i}] cannot be an empty string.` });
      });
      return { kind: "text", items: value as string[] };
    }
    value.forEach((v, i) => {
      if (!Array.isArray(v)) ctx.addIssue({ code: "custom", path: [i], message: `Input [${i}] must be an array of token ids like the other items.` });
      else checkTokenArray(v, [i], ctx);
    });
    return { kind: "tokens", items: value as number[][] };
  })
  .openapi({
    description: `A string, an array of 1..${MAX_INPUTS} strings, an array of token ids, or an array of token-id arrays. No empty strings; whitespace-only strings are embedded.`,
    example: ["The food was delicious and the waiter was friendly."],
  });

const optional = <T extends z.ZodType>(schema: T) => schema.nullish().transform((v) => v ?? undefined);

export const EmbeddingRequestSchema = z
  .strictObject({
    model: z.string({ error: "you must provide a model parameter" }).openapi({ example: PUBLIC_MODEL_ID }),
    input: InputSchema,
    encoding_format: optional(z.enum(["float", "base64"], { error: "'encoding_format' must be 'float' or 'base64'." })),
    dimensions: optional(
      z
        .number({ error: `'dimensions' must be an integer between ${MIN_DIMENSIONS} and ${FULL_DIMENSIONS}.` })
        .int({ error: `'dimensions' must be an integer between ${MIN_DIMENSIONS} and ${FULL_DIMENSIONS}.` })
        .min(MIN_DIMENSIONS, { error: `'dimensions' must be an integer between ${MIN_DIMENSIONS} and ${FULL_DIMENSIONS}.` })
        .max(FULL_DIMENSIONS, { error: `'dimensions' must be an integer between ${MIN_DIMENSIONS} and ${FULL_DIMENSIONS}.` }),
    ),
    user: optional(z.string({ error: "'user' must be a string." }).max(256, { error: "'user' must be at most 256 characters." })),
    input_type: optional(InputTypeSchema),
    instruction: optional(InstructionSchema),
  })
  .superRefine(refuseInstructionForDocuments)
  .openapi("CreateEmbeddingRequest");

export type EmbeddingRequest = z.output<typeof EmbeddingRequestSchema>;
