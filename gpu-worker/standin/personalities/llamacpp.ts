/**
 * llama.cpp's `llama-server --embedding --pooling last`. Facts from ggml-org/llama.cpp
 * (tools/server/server.cpp `handle_embeddings_impl`, routes and `ex_wrapper`;
 * tools/server/utils.hpp `format_error_response`, `format_embeddings_response_oaicompat`,
 * `tokenize_input_prompts`; builds of late 2025):
 * - `POST /v1/embeddings` (also `/embeddings`, `/embedding`) takes `input` (or
 *   `content`): texts, token ids, or lists of them; texts are tokenised with
 *   `add_special`, which appends end-of-text only if the GGUF sets
 *   `tokenizer.ggml.add_eos_token`. The stand-in personifies the older Qwen3 GGUFs that
 *   lack it: a text is embedded WITHOUT end-of-text (a different vector), which is why
 *   the edge sends llama.cpp token ids; ids are used as sent;
 * - nlohmann::json writes object keys sorted: `{data:[{embedding, index, object}],
 *   model, object:"list", usage:{prompt_tokens, total_tokens}}`, with
 *   `encoding_format:"base64"` added to each item when asked for base64;
 * - errors are `{error:{code, message, type}}`: an empty tokenised input is 400
 *   `invalid_request_error` "Input content cannot be empty"; an input longer than the
 *   physical batch (the stand-in's context length) is 500 `server_error` "input (M
 *   tokens) is too large to process. increase the physical batch size (current batch
 *   size: N)"; a bad body is 500 (the JSON parser's exception through `ex_wrapper`);
 * - `/health` and `/v1/health` answer 200 `{"status":"ok"}` and, like `/v1/models`, need
 *   no key; `/props` has `default_generation_settings`, `total_slots`, `model_path`,
 *   `build_info`; a wrong key is 401 `authentication_error` "Invalid API Key".
 */
import { parseInputBody, vectorJson } from "./openai-shapes";
import type { EngineError, Personality } from "./personality";

/** The `type` llama.cpp's `format_error_response` gives each status. */
function llamacppErrorType(status: number): string {
  switch (status) {
    case 400:
      return "invalid_request_error";
    case 401:
      return "authentication_error";
    case 404:
      return "not_found_error";
    case 501:
      return "not_supported_error";
    case 503:
      return "unavailable_error";
    default:
      return "server_error";
  }
}

function llamacppError(error: EngineError): string {
  return JSON.stringify({
    error: {
      code: error.status,
      message: error.message,
      type: llamacppErrorType(error.status),
    },
  });
}

const health = () => ({ status: 200, body: JSON.stringify({ status: "ok" }) });
const PUBLIC_PATHS = new Set([
  "/health",
  "/v1/health",
  "/models",
  "/v1/models",
]);

export const llamacppPersonality: Personality = {
  name: "llamacpp",
  embedPaths: ["/v1/embeddings", "/embeddings", "/embedding"],
  getRoutes: {
    "/health": health,
    "/v1/health": health,
    "/props": (c) => ({
      status: 200,
      body: JSON.stringify({
        default_generation_settings: { n_ctx: c.contextLength },
        total_slots: 4,
        model_path: c.modelPath,
        build_info: "b0000-standin",
      }),
    }),
    "/v1/models": (c) => ({
      status: 200,
      body: JSON.stringify({
        object: "list",
        data: [
          {
            id: c.servedModelName,
            object: "model",
            created: 0,
            owned_by: "llamacpp",
          },
        ],
      }),
    }),
  },
  isPublic: (path) => PUBLIC_PATHS.has(path),
  unauthorized: {
    status: 401,
    body: llamacppError({
      status: 401,
      type: "authentication_error",
      message: "Invalid API Key",
    }),
  },
  parse: (bodyText) =>
    parseInputBody(bodyText, "input", (message) => ({
      status: 500,
      type: "server_error",
      message,
    })),
  textAppendsEndOfText: false,
  inputError(tokens, config) {
    if (tokens === 0) {
      return {
        status: 400,
        type: "invalid_request_error",
        message: "Input content cannot be empty",
      };
    }
    if (tokens <= config.contextLength) return null;
    return {
      status: 500,
      type: "server_error",
      message:
        `input (${tokens} tokens) is too large to process. increase the physical batch size ` +
        `(current batch size: ${config.contextLength})`,
    };
  },
  render({ vectors, promptTokens, format, config }) {
    const extra = format === "base64" ? ',"encoding_format":"base64"' : "";
    const items = vectors.map(
      (v, index) =>
        `{"embedding":${vectorJson(v, format)}${extra},"index":${index},"object":"embedding"}`,
    );
    const usage = JSON.stringify({
      prompt_tokens: promptTokens,
      total_tokens: promptTokens,
    });
    const model = JSON.stringify(config.servedModelName);
    return {
      status: 200,
      body: `{"data":[${items.join(",")}],"model":${model},"object":"list","usage":${usage}}`,
    };
  },
  errorBody: llamacppError,
};
