/**
 * One engine's wire protocol as the stand-in speaks it (`--engine`): which routes exist,
 * how a body is read, how inputs are tokenised (who appends end-of-text), when an input
 * is too long, and the exact shapes of answers and errors. The vectors themselves are the
 * stand-in's one embedder for every personality, so the same model input (text with
 * end-of-text, or its ids) gives the same vector whichever engine is personified: mixed
 * pools share cache entries, as real engines serving one checkpoint should.
 */
import type { StandinConfig } from "../config";
import type { EmbeddingInput } from "../protocol";
import type { RenderedVector } from "../protocol";

export const ENGINE_PERSONALITIES = [
  "sglang",
  "vllm",
  "tei",
  "llamacpp",
] as const;
export type EnginePersonality = (typeof ENGINE_PERSONALITIES)[number];

export interface Reply {
  status: number;
  body: string;
  headers?: Record<string, string>;
}

/** An error the engine answers: status, its type label and message. */
export interface EngineError {
  status: number;
  type: string;
  message: string;
}

export interface ParsedEmbedding {
  inputs: EmbeddingInput[];
  kind: "text" | "tokens";
  encodingFormat: "float" | "base64";
}

export type ParsedOrError =
  { ok: true; request: ParsedEmbedding } | { ok: false; error: EngineError };

export interface RenderInput {
  vectors: RenderedVector[];
  promptTokens: number;
  format: "float" | "base64";
  config: StandinConfig;
}

export interface Personality {
  name: EnginePersonality;
  /** POST paths that embed; the route is passed back to parse/render/errorBody. */
  embedPaths: readonly string[];
  /** GET routes besides embeddings (health, info, models), rendered from the config. */
  getRoutes: Readonly<Record<string, (config: StandinConfig) => Reply>>;
  /** Paths reachable without the API key (health probes). */
  isPublic(path: string): boolean;
  /** The 401 this engine answers for a missing or wrong key. */
  unauthorized: Reply;
  parse(bodyText: string, path: string): ParsedOrError;
  /** Whether the text path appends end-of-text (151643) to a text's tokens. */
  textAppendsEndOfText: boolean;
  /** The engine's refusal of a token-counted input, if it refuses it. */
  inputError(tokens: number, config: StandinConfig): EngineError | null;
  render(out: RenderInput, path: string): Reply;
  errorBody(error: EngineError, path: string): string;
}
