/**
 * The usage report's one schema: what `GET /v1/usage` and the admin usage route answer,
 * the type read-usage.ts builds (`z.infer`), and the OpenAPI document's `UsageReport`.
 * Its dollar figures are what read-usage.ts computes, from the GPU time measured on the
 * pool and the deployment's GPU price: G = GPU_PRICE_USD_PER_SECOND, T =
 * GPU_TOKENS_PER_SECOND, F = BATCH_PRICE_FACTOR (workers/env.ts).
 */
import { z } from "@hono/zod-openapi";

const count = z.number().int();

const laneFigures = {
  requests: count,
  inputs: count,
  tokens_computed: count.openapi({ description: "Tokens embedded on a GPU." }),
  tokens_cached: count.openapi({
    description: "Tokens served from the cache.",
  }),
  gpu_ms: count.openapi({
    description:
      "GPU milliseconds the tokens embedded on a GPU took, as measured on the pool.",
  }),
  estimated_cost_usd: z.number().openapi({
    description:
      "gpu_ms / 1000 × GPU_PRICE_USD_PER_SECOND: the GPU time used, at the GPU's price " +
      "per second (rounded to 1e-10 USD).",
  }),
  estimated_savings_usd: z.number().openapi({
    description:
      "tokens_cached / GPU_TOKENS_PER_SECOND × GPU_PRICE_USD_PER_SECOND: the GPU time " +
      "the cache made unnecessary, at the same price (rounded to 1e-10 USD).",
  }),
};

const PricedCountersSchema = z.object(laneFigures);

/** Totals over every lane, with the batch lane's share repeated under `batch`. */
const figures = {
  ...laneFigures,
  batch: PricedCountersSchema.openapi({
    description:
      "The Batch API's share of the figures above, its dollars at BATCH_PRICE_FACTOR of " +
      "the interactive price (the totals' dollars are interactive + factor × batch).",
  }),
};

export const UsageReportSchema = z
  .object({
    object: z.literal("list"),
    data: z.array(
      z.object({
        date: z.string().openapi({ example: "2025-01-31" }),
        ...figures,
      }),
    ),
    totals: z.object(figures),
  })
  .openapi("UsageReport");

export type UsageReport = z.infer<typeof UsageReportSchema>;
export type UsageFigures = UsageReport["totals"];
