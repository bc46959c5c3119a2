/**
 * The GPU pool's contract with the edge pipeline: its configuration (parsed from env by
 * `env.ts`, not here), what goes in (inputs with exact token counts, used for batching)
 * and what comes out (vectors in input order, plus what metering needs).
 */

export interface GpuPoolConfig {
  /** SGLang base URLs (no `/v1`), tried in order: the first is preferred, the rest are failover. */
  urls: string[];
  /** Sent as `Authorization: Bearer <token>` to every endpoint. */
  token?: string;
  /**
   * Extra headers per endpoint (keyed by its URL as in `urls`), for platforms whose
   * gateway wants its own credentials: Modal proxy auth (`Modal-Key`, `Modal-Secret`),
   * or RunPod's API key as `Authorization`. They override the shared token's header.
   */
  endpointHeaders?: Readonly<Record<string, Readonly<Record<string, string>>>>;
  maxInputsPerCall: number;
  maxTokensPerCall: number;
  /** Sub-batches of one `embed()` in flight at once. */
  maxConcurrentCalls: number;
  /** Per HTTP call, body included. */
  callTimeoutMs: number;
  /** Overall budget of one `embed()`, retries and waits included. */
  deadlineMs: number;
  /** Retry rounds after the first pass over the endpoints (see pool.ts). */
  maxRetries: number;
  /** Model name sent upstream, e.g. "Qwen/Qwen3-Embedding-4B". */
  model: string;
}

/** Exact text for the model, or token ids with end-of-text already appended. */
export type GpuInput = string | number[];

export interface GpuItem {
  input: GpuInput;
  /** Exact token count as the model counts it; only used to size sub-batches. */
  tokens: number;
}

export interface GpuResult {
  /** One unit-length 2560-dim vector per item, in item order. */
  vectors: Float32Array[];
  /** Wall time of successful upstream calls, summed (metering). */
  gpuMs: number;
  /** HTTP calls made, failed ones included. */
  calls: number;
}

/** Qwen3-Embedding-4B's output size; anything else from upstream is a bad response. */
export const EMBEDDING_DIMENSIONS = 2560;
