/**
 * The plan a tenant gets when created without one, and the bounds of every plan field.
 * A plan given at creation or in a PATCH is merged over what is there, field by field.
 */
import { MAX_INPUTS_PER_REQUEST } from "../model";
import type { Plan } from "./records";

export const DEFAULT_PLAN: Readonly<Plan> = Object.freeze({
  requests_per_minute: 600,
  tokens_per_minute: 1_000_000,
  tokens_per_month: 100_000_000,
  /** The most `/v1/embeddings` accepts in one request anyway. */
  max_inputs_per_request: MAX_INPUTS_PER_REQUEST,
});

/**
 * Upper bounds: token figures stay ≤ 10^12 so they survive the 14 significant digits
 * Redis's Lua cjson writes when a PATCH is merged inside Redis (store-scripts.ts).
 */
export const PLAN_BOUNDS: Readonly<Record<keyof Plan, number>> = Object.freeze({
  requests_per_minute: 1_000_000,
  tokens_per_minute: 1_000_000_000_000,
  tokens_per_month: 1_000_000_000_000,
  max_inputs_per_request: MAX_INPUTS_PER_REQUEST,
});

export const PLAN_FIELDS = Object.keys(DEFAULT_PLAN) as (keyof Plan)[];
