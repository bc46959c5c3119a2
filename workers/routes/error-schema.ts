/** OpenAI's error envelope, for the OpenAPI document. */
import { z } from "@hono/zod-openapi";

export const ErrorEnvelopeSchema = z
  .object({
    error: z.object({
      message: z.string(),
      type: z.string(),
      param: z.string().nullable(),
      code: z.string().nullable(),
    }),
  })
  .openapi("Error");
