/**
 * Hugging Face Text Embeddings Inference. Facts from huggingface/text-embeddings-inference
 * v1.9.3 (router/src/http/server.rs, router/src/http/types.rs, router/src/lib.rs,
 * core/src/tokenization.rs, router/src/main.rs):
 * - `POST /embed` takes `{inputs, truncate?, normalize?}` and answers a bare
 *   `[[f32…], …]` with `x-compute-tokens` (and timing) headers; `POST /v1/embeddings`
 *   takes `{input, model?, encoding_format?}` and answers `{object:"list", data:[{object,
 *   embedding, index}], model, usage:{prompt_tokens, total_tokens}}` (serde field order);
 * - texts are encoded with special tokens (end-of-text appended); ids are decoded and
 *   re-encoded without them (a trailing end-of-text id survives);
 * - an input of more than `max_input_length` tokens (`>`) is 422 Validation "Input
 *   validation error: `inputs` must have less than N tokens. Given: M" when truncation is
 *   off (`truncate: false`; the stand-in never truncates); an empty batch is 400 Empty;
 *   more than `max_client_batch_size` inputs (default 32) is 422 Validation;
 * - errors are `{error, error_type}` on `/embed` and `{message, code, type}` on the
 *   OpenAI route, the type being the `ErrorType` variant name (`Validation`, `Backend`,
 *   `Overloaded`, `Empty`, `Unhealthy`, `Tokenizer`) with statuses 422/424/429/400/503;
 *   JSON that does not fit the schema is axum's 422 with a plain-text reason, which the
 *   stand-in answers as a 422 in TEI's error shape;
 * - `GET /health` 200 with an empty body, `GET /info` the `Info` struct; `--api-key`
 *   answers 401 with an empty body.
 */
import { parseInputBody, vectorJson } from "./openai-shapes";
import type { EngineError, Personality } from "./personality";

/** TEI's default `--max-client-batch-size` (router/src/main.rs, v1.9.3). */
export const TEI_MAX_CLIENT_BATCH_SIZE = 32;
export const TEI_VERSION = "1.9.3";

/** The `ErrorType` variant TEI answers with each status (router/src/http/server.rs). */
function teiErrorType(status: number): string {
  switch (status) {
    case 400:
      return "Empty";
    case 422:
      return "Validation";
    case 429:
      return "Overloaded";
    case 503:
      return "Unhealthy";
    default:
      return "Backend";
  }
}

function teiErrorBody(error: EngineError, path: string): string {
  const type = teiErrorType(error.status);
  return path === "/embed"
    ? JSON.stringify({ error: error.message, error_type: type })
    : JSON.stringify({ message: error.message, code: error.status, type });
}

export const teiPersonality: Personality = {
  name: "tei",
  embedPaths: ["/embed", "/v1/embeddings"],
  getRoutes: {
    "/health": () => ({ status: 200, body: "" }),
    "/info": (c) => ({
      status: 200,
      body: JSON.stringify({
        model_id: c.modelPath,
        model_sha: null,
        model_dtype: "float16",
        served_model_name: c.servedModelName,
        model_type: { embedding: { pooling: "last_token" } },
        max_concurrent_requests: 512,
        max_input_length: c.contextLength,
        max_batch_tokens: 16384,
        max_batch_requests: null,
        max_client_batch_size: TEI_MAX_CLIENT_BATCH_SIZE,
        auto_truncate: false,
        tokenization_workers: 1,
        version: TEI_VERSION,
        sha: null,
        docker_label: null,
      }),
    }),
  },
  isPublic: (path) => path === "/health",
  unauthorized: { status: 401, body: "" },
  parse(bodyText, path) {
    const field = path === "/embed" ? "inputs" : "input";
    const parsed = parseInputBody(bodyText, field, (message) => ({
      status: 422,
      type: "Validation",
      message: `Failed to deserialize the JSON body into the target type: ${message}`,
    }));
    if (!parsed.ok) return parsed;
    const count = parsed.request.inputs.length;
    if (count === 0) {
      return {
        ok: false,
        error: {
          status: 400,
          type: "Empty",
          message: "`inputs` cannot be empty",
        },
      };
    }
    if (count > TEI_MAX_CLIENT_BATCH_SIZE) {
      const limit = TEI_MAX_CLIENT_BATCH_SIZE;
      const message = `batch size ${count} > maximum allowed batch size ${limit}`;
      return { ok: false, error: { status: 422, type: "Validation", message } };
    }
    // /embed has no encoding_format: always floats.
    if (path === "/embed")
      return {
        ok: true,
        request: { ...parsed.request, encodingFormat: "float" },
      };
    return parsed;
  },
  textAppendsEndOfText: true,
  inputError: (tokens, config) =>
    tokens <= config.contextLength
      ? null
      : {
          status: 422,
          type: "Validation",
          message:
            `Input validation error: \`inputs\` must have less than ${config.contextLength} ` +
            `tokens. Given: ${tokens}`,
        },
  render({ vectors, promptTokens, format, config }, path) {
    const headers = {
      "x-compute-type": "gpu+optimized",
      "x-compute-tokens": String(promptTokens),
    };
    if (path === "/embed") {
      return {
        status: 200,
        body: `[${vectors.map((v) => vectorJson(v, "float")).join(",")}]`,
        headers,
      };
    }
    const items = vectors.map(
      (v, index) =>
        `{"object":"embedding","embedding":${vectorJson(v, format)},"index":${index}}`,
    );
    const usage = JSON.stringify({
      prompt_tokens: promptTokens,
      total_tokens: promptTokens,
    });
    const model = JSON.stringify(config.servedModelName);
    return {
      status: 200,
      body: `{"object":"list","data":[${items.join(",")}],"model":${model},"usage":${usage}}`,
      headers,
    };
  },
  errorBody: teiErrorBody,
};
