/**
 * The GPU pool's configuration: parsed from env by `env.ts` (never read here), checked
 * again by `createGpuPool`. Engines per endpoint are part of it because the same URL list
 * may mix SGLang, vLLM, TEI and llama.cpp servers (engines/).
 */
import type { EngineName } from "./engines/engine-adapter";

export interface GpuPoolConfig {
  /** Engine base URLs (no `/v1`), tried in order: the first is preferred, the rest are failover. */
  urls: string[];
  /**
   * The engine behind each URL (keyed as in `urls`); a URL missing here has its engine
   * detected from its info routes on first use (engines/detect-engine.ts).
   */
  engines?: Readonly<Record<string, EngineName>>;
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
