/**
 * vLLM's OpenAI server with the pooling runner. Facts from vllm-project/vllm
 * (vllm/entrypoints/openai/protocol.py `EmbeddingResponse`, `ErrorResponse`;
 * serving_embedding.py; serving_engine.py `_validate_input`; api_server.py; releases
 * 0.10–0.11):
 * - `EmbeddingResponse` is `{id:"embd-…", object:"list", created, model, data, usage}`,
 *   items `{index, object:"embedding", embedding}`, usage `{prompt_tokens, total_tokens,
 *   completion_tokens:0, prompt_tokens_details:null}`; `model` is the served name;
 * - errors are `{error:{message, type, param, code}}`; a too-long input (`>` the
 *   context length, not `>=`) is 400 BadRequestError "This model's maximum context
 *   length is N tokens. However, you requested M tokens in the input for embedding
 *   generation. Please reduce the length of the input."; body-schema failures are 400;
 * - texts are tokenised with `add_special_tokens` true (end-of-text appended by Qwen3's
 *   tokenizer); ids as sent; blank texts are embedded, not refused;
 * - `/health` 200 with an empty body, `/version` `{version}`, `/v1/models` cards with
 *   `owned_by: "vllm"`; `--api-key` guards only `/v1/*`, answering 401 `{"error":"Unauthorized"}`.
 */
import { randomUUID } from "node:crypto";
import { modelListBody } from "../protocol";
import { parseInputBody, vectorJson } from "./openai-shapes";
import type { EngineError, Personality } from "./personality";

/** The version `/version` reports; the shapes above are those of this release line. */
export const VLLM_VERSION = "0.11.0";

function vllmError(error: EngineError): string {
  return JSON.stringify({
    error: {
      message: error.message,
      type: error.type,
      param: null,
      code: error.status,
    },
  });
}

export const vllmPersonality: Personality = {
  name: "vllm",
  embedPaths: ["/v1/embeddings"],
  getRoutes: {
    "/health": () => ({ status: 200, body: "" }),
    "/version": () => ({
      status: 200,
      body: JSON.stringify({ version: VLLM_VERSION }),
    }),
    "/v1/models": (c) => ({
      status: 200,
      body: modelListBody(c).replace(
        '"owned_by":"sglang"',
        '"owned_by":"vllm"',
      ),
    }),
  },
  // The stand-in's own control API stays behind the key, as in every personality.
  isPublic: (path) =>
    !path.startsWith("/v1/") && !path.startsWith("/__standin/"),
  unauthorized: {
    status: 401,
    body: JSON.stringify({ error: "Unauthorized" }),
  },
  parse: (bodyText) =>
    parseInputBody(bodyText, "input", (message) => ({
      status: 400,
      type: "BadRequestError",
      message,
    })),
  textAppendsEndOfText: true,
  inputError: (tokens, config) =>
    tokens <= config.contextLength
      ? null
      : {
          status: 400,
          type: "BadRequestError",
          message:
            `This model's maximum context length is ${config.contextLength} tokens. However, ` +
            `you requested ${tokens} tokens in the input for embedding generation. ` +
            "Please reduce the length of the input.",
        },
  render: ({ vectors, promptTokens, format, config }) => {
    const items = vectors.map(
      (v, index) =>
        `{"index":${index},"object":"embedding","embedding":${vectorJson(v, format)}}`,
    );
    const usage = JSON.stringify({
      prompt_tokens: promptTokens,
      total_tokens: promptTokens,
      completion_tokens: 0,
      prompt_tokens_details: null,
    });
    const head = JSON.stringify({
      id: `embd-${randomUUID().replaceAll("-", "")}`,
      object: "list",
      created: Math.floor(Date.now() / 1000),
      model: config.servedModelName,
    }).slice(0, -1);
    return {
      status: 200,
      body: `${head},"data":[${items.join(",")}],"usage":${usage}}`,
    };
  },
  errorBody: vllmError,
};
