/**
 * What the edge pipeline hands the GPU pool per cache miss: the exact model input and its
 * token count (used to size sub-batches).
 */

/** Exact text for the model, or token ids with end-of-text already appended. */
export type GpuInput = string | number[];

export interface GpuItem {
  input: GpuInput;
  /** Exact token count as the model counts it; only used to size sub-batches. */
  tokens: number;
}
