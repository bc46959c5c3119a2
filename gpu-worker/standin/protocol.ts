/**
 * SGLang's OpenAI-compatible wire format, as the stand-in speaks it: request parsing and
 * validation for POST /v1/embeddings, and the exact bodies SGLang renders.
 *
 * Mirrored from sgl-project/sglang (entrypoints/openai/protocol.py, serving_embedding.py,
 * serving_base.py, http_server.py, managers/tokenizer_manager.py):
 * - bodies keep pydantic's field order: EmbeddingResponse is {data, model, object, usage},
 *   EmbeddingObject is {embedding, index, object}, UsageInfo carries completion_tokens 0,
 *   prompt_tokens_details null and reasoning_tokens 0;
 * - ErrorResponse is {object:"error", message, type, param:null, code}; request-schema
 *   failures (bad JSON, wrong types, wrong content-type) have type "Bad Request", checks
 *   made by the embedding handler (empty input, context length) have "BadRequestError";
 * - empty and whitespace-only texts are refused with SGLang's messages, "whitespace" being
 *   Python's `str.isspace()` set (workers/embeddings/sglang-blank-text.ts);
 * - `model` is not checked, and the response names the model path.
 * SGLang itself ignores encoding_format; the stand-in honours "base64" (little-endian
 * float32) because the edge asks for it from servers that do.
 */
import { isBlankToSglang } from "../../workers/embeddings/sglang-blank-text";

export type EmbeddingInput = string | number[];

export interface EmbeddingRequest {
  model: string;
  /** One entry per vector to return, in order; a single string or id list becomes one. */
  inputs: EmbeddingInput[];
  kind: "text" | "tokens";
  encodingFormat: "float" | "base64";
  dimensions: number | null;
}

export interface ProtocolError {
  status: number;
  type: string;
  message: string;
}

export type ParseResult =
  { ok: true; request: EmbeddingRequest } | { ok: false; error: ProtocolError };

/** FastAPI's validation failures, which SGLang re-types from 422 to 400 "Bad Request". */
function schemaError(message: string): ParseResult {
  return { ok: false, error: { status: 400, type: "Bad Request", message } };
}

/** Refusals from SGLang's embedding handler (create_error_response defaults). */
export function badRequest(message: string): ProtocolError {
  return { status: 400, type: "BadRequestError", message };
}

const isTokenId = (v: unknown): v is number =>
  typeof v === "number" && Number.isInteger(v);
const isTokenList = (v: unknown): v is number[] =>
  Array.isArray(v) && v.every(isTokenId);

/** The inputs of an `input` value and whether they are texts or token ids; null if neither. */
export function classifyInput(
  input: unknown,
): { inputs: EmbeddingInput[]; kind: "text" | "tokens" } | null {
  if (typeof input === "string") return { inputs: [input], kind: "text" };
  if (!Array.isArray(input)) return null;
  if (input.length === 0) return { inputs: [], kind: "tokens" };
  if (input.every((v) => typeof v === "string"))
    return { inputs: input as string[], kind: "text" };
  if (input.every(isTokenId))
    return { inputs: [input as number[]], kind: "tokens" };
  if (input.every(isTokenList))
    return { inputs: input as number[][], kind: "tokens" };
  return null;
}

/** SGLang's _validate_request, with its messages. */
function validateInput(
  raw: unknown,
  inputs: EmbeddingInput[],
  kind: "text" | "tokens",
): string | null {
  if (raw === "" || inputs.length === 0) return "Input cannot be empty";
  if (typeof raw === "string") {
    return isBlankToSglang(raw)
      ? "Input cannot be empty or whitespace only"
      : null;
  }
  if (kind === "text") {
    const i = inputs.findIndex((s) => isBlankToSglang(s as string));
    return i >= 0
      ? `Input at index ${i} cannot be empty or whitespace only`
      : null;
  }
  if (raw instanceof Array && raw.every(isTokenId)) {
    const i = raw.findIndex((id: number) => id < 0);
    return i >= 0 ? `Token ID at index ${i} must be non-negative` : null;
  }
  for (let i = 0; i < inputs.length; i++) {
    const ids = inputs[i] as number[];
    if (ids.length === 0) return `Input at index ${i} cannot be empty`;
    if (ids.some((id) => id < 0))
      return `Input at index ${i} contains negative token IDs`;
  }
  return null;
}

/** Parses and validates a /v1/embeddings body (already read as text). */
export function parseEmbeddingRequest(bodyText: string): ParseResult {
  let body: unknown;
  try {
    body = JSON.parse(bodyText);
  } catch (e) {
    return schemaError(`JSON decode error: ${(e as Error).message}`);
  }
  if (typeof body !== "object" || body === null || Array.isArray(body)) {
    return schemaError("body: Input should be a valid dictionary or object");
  }
  const fields = body as Record<string, unknown>;
  if (!("input" in fields)) return schemaError("body.input: Field required");
  const classified = classifyInput(fields.input);
  if (!classified) {
    return schemaError(
      "body.input: Input should be a string, a list of strings, a list of token ids or a list of token-id lists",
    );
  }
  const model = fields.model ?? "default";
  if (typeof model !== "string")
    return schemaError("body.model: Input should be a valid string");
  const format = fields.encoding_format ?? "float";
  if (format !== "float" && format !== "base64") {
    return schemaError(
      "body.encoding_format: Input should be 'float' or 'base64'",
    );
  }
  const dimensions = fields.dimensions ?? null;
  if (dimensions !== null && !(isTokenId(dimensions) && dimensions > 0)) {
    return schemaError("body.dimensions: Input should be a positive integer");
  }
  const invalid = validateInput(
    fields.input,
    classified.inputs,
    classified.kind,
  );
  if (invalid) return { ok: false, error: badRequest(invalid) };
  return {
    ok: true,
    request: { model, ...classified, encodingFormat: format, dimensions },
  };
}

/**
 * SGLang refuses an input whose token count reaches the context length (`>=`, not `>`),
 * with this ValueError, which the embedding handler answers as a 400 BadRequestError:
 * `TokenizerManager._validate_one_request` in python/sglang/srt/managers/tokenizer_manager.py
 * (sgl-project/sglang commit 001067ff) and `_handle_non_streaming_request` in
 * python/sglang/srt/entrypoints/openai/serving_embedding.py (commit 012bcb5f).
 */
export function contextLengthError(
  tokens: number,
  contextLength: number,
): ProtocolError | null {
  if (tokens < contextLength) return null;
  return badRequest(
    `The input (${tokens} tokens) is longer than the model's context length (${contextLength} tokens).`,
  );
}

export function errorBody(error: ProtocolError): string {
  return JSON.stringify({
    object: "error",
    message: error.message,
    type: error.type,
    param: null,
    code: error.status,
  });
}

const LITTLE_ENDIAN = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;

/** Standard base64 of the vector's little-endian float32 bytes. */
export function float32Base64(vector: Float32Array): string {
  if (LITTLE_ENDIAN) {
    return Buffer.from(
      vector.buffer,
      vector.byteOffset,
      vector.byteLength,
    ).toString("base64");
  }
  const bytes = Buffer.alloc(vector.length * 4);
  for (let i = 0; i < vector.length; i++) bytes.writeFloatLE(vector[i]!, i * 4);
  return bytes.toString("base64");
}

/** How a non-finite float is written: Python's json.dumps ("NaN") or orjson's (null). */
export type NonFiniteStyle = "python" | "orjson";

export function floatArrayJson(
  vector: Float32Array,
  nonFinite: NonFiniteStyle,
): string {
  let finite = true;
  for (let i = 0; i < vector.length; i++) {
    if (!Number.isFinite(vector[i]!)) {
      finite = false;
      break;
    }
  }
  // JSON.stringify already writes null for NaN and ±Infinity, as orjson does.
  if (finite || nonFinite === "orjson")
    return JSON.stringify(Array.from(vector));
  const parts = new Array<string>(vector.length);
  for (let i = 0; i < vector.length; i++) {
    const v = vector[i]!;
    parts[i] = Number.isNaN(v)
      ? "NaN"
      : v === Infinity
        ? "Infinity"
        : v === -Infinity
          ? "-Infinity"
          : String(v);
  }
  return `[${parts.join(",")}]`;
}

export interface RenderedVector {
  vector: Float32Array;
  /** Only for injected malformed vectors; real vectors are always finite. */
  nonFinite?: NonFiniteStyle;
}

/** The 200 body of /v1/embeddings, byte for byte in SGLang's field order. */
export function embeddingResponseBody(
  vectors: readonly RenderedVector[],
  modelPath: string,
  promptTokens: number,
  format: "float" | "base64",
): string {
  const items = vectors.map(({ vector, nonFinite }, index) => {
    const embedding =
      format === "base64"
        ? JSON.stringify(float32Base64(vector))
        : floatArrayJson(vector, nonFinite ?? "orjson");
    return `{"embedding":${embedding},"index":${index},"object":"embedding"}`;
  });
  const usage = JSON.stringify({
    prompt_tokens: promptTokens,
    total_tokens: promptTokens,
    completion_tokens: 0,
    prompt_tokens_details: null,
    reasoning_tokens: 0,
  });
  return `{"data":[${items.join(",")}],"model":${JSON.stringify(modelPath)},"object":"list","usage":${usage}}`;
}

export interface ModelDescription {
  modelPath: string;
  servedModelName: string;
  contextLength: number;
}

/** ModelCard as /v1/models and /v1/models/{id} render it. */
function modelCard(m: ModelDescription): Record<string, unknown> {
  return {
    id: m.servedModelName,
    object: "model",
    created: Math.floor(Date.now() / 1000),
    owned_by: "sglang",
    root: m.servedModelName,
    parent: null,
    max_model_len: m.contextLength,
  };
}

export function modelListBody(m: ModelDescription): string {
  return JSON.stringify({ object: "list", data: [modelCard(m)] });
}

export function modelCardBody(m: ModelDescription): string {
  return JSON.stringify(modelCard(m));
}

/** /v1/models/{id} for an unknown id: SGLang's one OpenAI-style nested error. */
export function modelNotFoundBody(id: string): string {
  return JSON.stringify({
    error: {
      message: `The model '${id}' does not exist`,
      type: "invalid_request_error",
      param: "model",
      code: "model_not_found",
    },
  });
}

export function modelInfoBody(m: ModelDescription): string {
  return JSON.stringify({
    model_path: m.modelPath,
    tokenizer_path: m.modelPath,
    is_generation: false,
    preferred_sampling_params: null,
    weight_version: "default",
  });
}
