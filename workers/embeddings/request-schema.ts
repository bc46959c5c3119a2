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
 *
 * `truncate`, `max_tokens_per_input` (truncate-input.ts) and `output_dtype`
 * (output-dtype.ts) are later extensions: their keys are optional in the parsed type, so
 * callers that build a request themselves (index jobs, batches) need not name them.
 */
import { z } from "@hono/zod-openapi";
import {
  EMBEDDING_DIMENSIONS,
  MAX_INPUTS_PER_REQUEST,
  MIN_DIMENSIONS,
  PUBLIC_MODEL_ID,
} from "../model";
import { paramOf } from "../errors/schema-error";
import { isBlankToSglang } from "./sglang-blank-text";
import { isPackedBits, OUTPUT_DTYPES } from "./output-dtype";

/** Qwen3's tokenizer has 151,669 ids (151,643 BPE + 26 added); anything above is no token. */
export const MAX_TOKEN_ID = 151_668;

/** `input_type` (extension), shared by every request that embeds: `/v1/embeddings`, index jobs. */
export const InputTypeSchema = z.enum(["query", "document"], {
  error: "'input_type' must be 'query' or 'document'.",
});

/** `instruction` (extension): the task for queries; must say something (not blank to SGLang). */
export const InstructionSchema = z
  .string({ error: "'instruction' must be a string." })
  .min(1, { error: "'instruction' cannot be empty." })
  .max(4096, { error: "'instruction' must be at most 4096 characters." })
  .refine((text) => !isBlankToSglang(text), {
    error: "'instruction' cannot be only whitespace.",
  })
  .openapi({
    description:
      "Task description for queries; implies input_type 'query'. Not with input_type 'document'.",
  });

/** An instruction only means something for queries: with `input_type: "document"` it would be dropped, so 400. */
export function refuseInstructionForDocuments(
  request: {
    instruction?: string | undefined;
    input_type?: "query" | "document" | undefined;
  },
  ctx: z.RefinementCtx,
): void {
  if (request.instruction !== undefined && request.input_type === "document") {
    ctx.addIssue({
      code: "custom",
      path: ["instruction"],
      message:
        "'instruction' applies only to queries; it cannot be used with input_type 'document'.",
    });
  }
}

export type EmbeddingInput =
  { kind: "text"; items: string[] } | { kind: "tokens"; items: number[][] };

const isTokenId = (v: unknown): v is number =>
  typeof v === "number" && Number.isInteger(v) && v >= 0 && v <= MAX_TOKEN_ID;

const badTokenMessage = `must be an integer token id between 0 and ${MAX_TOKEN_ID}`;

function checkTokenArray(
  ids: unknown[],
  path: (string | number)[],
  ctx: z.RefinementCtx,
): boolean {
  if (ids.length === 0) {
    ctx.addIssue({
      code: "custom",
      path,
      message: "A token-id input cannot be an empty array.",
    });
    return false;
  }
  const bad = ids.findIndex((v) => !isTokenId(v));
  if (bad >= 0) {
    ctx.addIssue({
      code: "custom",
      path: [...path, bad],
      message: `Token at ${paramOf(["input", ...path, bad])} ${badTokenMessage}.`,
    });
    return false;
  }
  return true;
}

const InputSchema = z
  .unknown()
  .transform((value, ctx): EmbeddingInput => {
    if (value === undefined || value === null) {
      ctx.addIssue({
        code: "custom",
        message: "'input' is a required property.",
      });
      return z.NEVER;
    }
    if (typeof value === "string") {
      if (value.length === 0)
        ctx.addIssue({
          code: "custom",
          message: "Input cannot be an empty string.",
        });
      return { kind: "text", items: [value] };
    }
    if (!Array.isArray(value)) {
      ctx.addIssue({
        code: "custom",
        message:
          "Input must be a string, an array of strings, an array of token ids, or an array of token-id arrays.",
      });
      return z.NEVER;
    }
    if (value.length === 0) {
      ctx.addIssue({
        code: "custom",
        message: "Input cannot be an empty array.",
      });
      return z.NEVER;
    }
    if (value.every((v) => typeof v === "number")) {
      checkTokenArray(value, [], ctx);
      return { kind: "tokens", items: [value as number[]] };
    }
    if (value.length > MAX_INPUTS_PER_REQUEST) {
      ctx.addIssue({
        code: "custom",
        message: `Input must have at most ${MAX_INPUTS_PER_REQUEST} items; got ${value.length}.`,
      });
      return z.NEVER;
    }
    if (typeof value[0] === "string") {
      value.forEach((v, i) => {
        if (typeof v !== "string")
          ctx.addIssue({
            code: "custom",
            path: [i],
            message: `Input [${i}] must be a string like the other items.`,
          });
        else if (v.length === 0)
          ctx.addIssue({
            code: "custom",
            path: [i],
            message: `Input [${i}] cannot be an empty string.`,
          });
      });
      return { kind: "text", items: value as string[] };
    }
    value.forEach((v, i) => {
      if (!Array.isArray(v))
        ctx.addIssue({
          code: "custom",
          path: [i],
          message: `Input [${i}] must be an array of token ids like the other items.`,
        });
      else checkTokenArray(v, [i], ctx);
    });
    return { kind: "tokens", items: value as number[][] };
  })
  .openapi({
    description: `A string, an array of 1..${MAX_INPUTS_PER_REQUEST} strings, an array of token ids, or an array of token-id arrays. No empty strings; whitespace-only strings are embedded.`,
    example: ["The food was delicious and the waiter was friendly."],
  });

const optional = <T extends z.ZodType>(schema: T) =>
  schema.nullish().transform((v) => v ?? undefined);
/** Like `optional`, and the key itself may be absent from the parsed value (later extensions). */
const extension = <T extends z.ZodType>(schema: T) =>
  optional(schema).optional();

/** `truncate` (extension): what to do with an input over the per-input token limit. */
const TruncateSchema = z
  .enum(["none", "end", "start"], {
    error: "'truncate' must be 'none', 'end' or 'start'.",
  })
  .openapi({
    description:
      "What to do with an input over the per-input token limit: 'none' (default) refuses it (400 context_length_exceeded); 'end' drops tokens from its end, 'start' from its start. End-of-text is always kept last and a query keeps its instruction prefix whole. Cut inputs are listed in the x-truncated-inputs response header.",
  });

/** `max_tokens_per_input` (extension): a lower cut than the engine's limit, for cost; needs truncate end/start. */
const MaxTokensPerInputSchema = z
  .number({ error: "'max_tokens_per_input' must be a positive integer." })
  .int({ error: "'max_tokens_per_input' must be a positive integer." })
  .min(1, { error: "'max_tokens_per_input' must be a positive integer." })
  .openapi({
    description:
      "With truncate 'end' or 'start': cut inputs to at most this many tokens (end-of-text and a query's instruction prefix included), 1 up to the per-input limit (32,767 for a 32,768-token context).",
  });

/** `output_dtype` (extension): integer or packed-bit vectors instead of floats (output-dtype.ts). */
const OutputDtypeSchema = z
  .enum(OUTPUT_DTYPES, {
    error:
      "'output_dtype' must be 'float', 'int8', 'uint8', 'binary' or 'ubinary'.",
  })
  .openapi({
    description:
      "float (default); int8 = round(x*127/max|x|) per vector, ties away from zero; uint8 = int8 + 128; ubinary = sign bits (x > 0) packed 8 per byte, first dimension in the most significant bit; binary = ubinary byte - 128. Applied after dimensions (a multiple of 8 for binary/ubinary). Compare int8/uint8 (minus 128) by cosine, binary/ubinary by Hamming distance. base64 carries the raw bytes.",
  });

/** `max_tokens_per_input` only cuts; `binary`/`ubinary` pack whole bytes of 8 dimensions. */
function refuseInconsistentExtensions(
  request: {
    truncate?: "none" | "end" | "start" | undefined;
    max_tokens_per_input?: number | undefined;
    output_dtype?: (typeof OUTPUT_DTYPES)[number] | undefined;
    dimensions?: number | undefined;
  },
  ctx: z.RefinementCtx,
): void {
  if (
    request.max_tokens_per_input !== undefined &&
    (request.truncate ?? "none") === "none"
  ) {
    ctx.addIssue({
      code: "custom",
      path: ["max_tokens_per_input"],
      message: "'max_tokens_per_input' requires truncate 'end' or 'start'.",
    });
  }
  const dims = request.dimensions ?? EMBEDDING_DIMENSIONS;
  if (
    request.output_dtype !== undefined &&
    isPackedBits(request.output_dtype) &&
    dims % 8 !== 0
  ) {
    ctx.addIssue({
      code: "custom",
      path: ["dimensions"],
      message: `'dimensions' must be a multiple of 8 with output_dtype '${request.output_dtype}' (8 dimensions per byte); got ${dims}.`,
    });
  }
}

export const EmbeddingRequestSchema = z
  .strictObject({
    model: z
      .string({ error: "you must provide a model parameter" })
      .openapi({ example: PUBLIC_MODEL_ID }),
    input: InputSchema,
    encoding_format: optional(
      z.enum(["float", "base64"], {
        error: "'encoding_format' must be 'float' or 'base64'.",
      }),
    ),
    dimensions: optional(
      z
        .number({
          error: `'dimensions' must be an integer between ${MIN_DIMENSIONS} and ${EMBEDDING_DIMENSIONS}.`,
        })
        .int({
          error: `'dimensions' must be an integer between ${MIN_DIMENSIONS} and ${EMBEDDING_DIMENSIONS}.`,
        })
        .min(MIN_DIMENSIONS, {
          error: `'dimensions' must be an integer between ${MIN_DIMENSIONS} and ${EMBEDDING_DIMENSIONS}.`,
        })
        .max(EMBEDDING_DIMENSIONS, {
          error: `'dimensions' must be an integer between ${MIN_DIMENSIONS} and ${EMBEDDING_DIMENSIONS}.`,
        }),
    ),
    user: optional(
      z
        .string({ error: "'user' must be a string." })
        .max(256, { error: "'user' must be at most 256 characters." }),
    ),
    input_type: optional(InputTypeSchema),
    instruction: optional(InstructionSchema),
    truncate: extension(TruncateSchema),
    max_tokens_per_input: extension(MaxTokensPerInputSchema),
    output_dtype: extension(OutputDtypeSchema),
  })
  .superRefine(refuseInstructionForDocuments)
  .superRefine(refuseInconsistentExtensions)
  .openapi("CreateEmbeddingRequest");

export type EmbeddingRequest = z.output<typeof EmbeddingRequestSchema>;
