/**
 * Splits one request's items into upstream calls. A call holds at most
 * `maxInputsPerCall` inputs and `maxTokensPerCall` tokens, so one call fits the GPU
 * worker's batch without its own scheduler splitting or rejecting it; an item larger
 * than the token budget still has to go somewhere, so it goes alone.
 *
 * SGLang cannot mix strings and token-id arrays in one `input`, so text items and
 * token-id items are batched separately. Grouping by kind (rather than cutting at every
 * switch) keeps an interleaved request to the fewest calls; each call remembers the
 * original positions of its items, so results are put back in input order.
 */
import type { GpuItem } from "./gpu-item";

export interface CallPlan {
  /** Positions of this call's items in the request, ascending. */
  indices: number[];
  tokens: number;
}

export interface BatchLimits {
  maxInputsPerCall: number;
  maxTokensPerCall: number;
}

export function planCalls(
  items: readonly GpuItem[],
  limits: BatchLimits,
): CallPlan[] {
  const textIndices: number[] = [];
  const idIndices: number[] = [];
  items.forEach((item, i) =>
    (typeof item.input === "string" ? textIndices : idIndices).push(i),
  );

  // Text first only when it appears first; the order of calls is cosmetic (they run
  // concurrently) but a stable order keeps logs and tests readable.
  const groups =
    items[0] !== undefined && typeof items[0].input !== "string"
      ? [idIndices, textIndices]
      : [textIndices, idIndices];
  return groups.flatMap((indices) => packGreedily(items, indices, limits));
}

/** Fills each call in order until the next item would break a limit. */
function packGreedily(
  items: readonly GpuItem[],
  indices: readonly number[],
  limits: BatchLimits,
): CallPlan[] {
  const calls: CallPlan[] = [];
  let current: CallPlan = { indices: [], tokens: 0 };
  for (const i of indices) {
    const tokens = items[i]?.tokens ?? 0;
    const fits =
      current.indices.length < limits.maxInputsPerCall &&
      current.tokens + tokens <= limits.maxTokensPerCall;
    // An empty call always takes the item: that is how an oversized item goes alone.
    if (!fits && current.indices.length > 0) {
      calls.push(current);
      current = { indices: [], tokens: 0 };
    }
    current.indices.push(i);
    current.tokens += tokens;
  }
  if (current.indices.length > 0) calls.push(current);
  return calls;
}
