/**
 * vLLM's OpenAI server running the pooling runner (`vllm serve ... --task embed`, or
 * `--runner pooling` in newer releases). Facts from vllm-project/vllm
 * (vllm/entrypoints/openai/protocol.py `EmbeddingCompletionRequest`,
 * serving_embedding.py and serving_engine.py, releases 0.8–0.11):
 * - `input` is a string, strings, token ids or lists of token ids; texts are tokenised
 *   with `add_special_tokens` (default true), so Qwen3's tokenizer appends end-of-text;
 *   token ids are used as sent, so the pool's ids already carry it;
 * - `model` must be a served model name, else 404 "The model ... does not exist" (our
 *   misconfiguration: launch with `--served-model-name Qwen/Qwen3-Embedding-4B`);
 * - `dimensions` is refused unless the model is Matryoshka (`--hf-overrides
 *   '{"is_matryoshka": true}'`): never sent; `encoding_format: "base64"` is honoured;
 * - an input longer than `max_model_len` is a 400 "This model's maximum context length
 *   is N tokens. However, you requested M tokens in the input for embedding
 *   generation..."; errors are `{object:"error", message, type, param, code}` up to
 *   0.9 and `{error:{message, type, param, code}}` after; an engine failure is 500;
 * - `usage = {prompt_tokens, total_tokens, completion_tokens: 0, ...}` (not read).
 */
import type { EngineAdapter } from "./engine-adapter";
import {
  asSent,
  decodeOpenAiBody,
  openAiBody,
  OPENAI_EMBEDDINGS_PATH,
} from "./openai-route";

export const vllmAdapter: EngineAdapter = {
  name: "vllm",
  embedPath: OPENAI_EMBEDDINGS_PATH,
  wireInputs: asSent,
  requestBody: openAiBody,
  decode: decodeOpenAiBody,
};
