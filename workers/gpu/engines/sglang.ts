/**
 * SGLang (`--is-embedding`), the default engine. Facts from sgl-project/sglang
 * (python/sglang/srt/entrypoints/openai/serving_embedding.py at commit 012bcb5f,
 * managers/tokenizer_manager.py at commit 001067ff):
 * - texts are tokenised with the model's tokenizer, whose post-processor appends
 *   `<|endoftext|>` (151643) for Qwen3-Embedding; token-id inputs are used as sent, so
 *   the pool's ids already carry it (embeddings/prepare-inputs.ts);
 * - blank texts are refused (400), which is why the edge sends them as ids;
 * - `dimensions` is refused unless Matryoshka is enabled with
 *   `--json-model-override-args '{"is_matryoshka": true}'`: never sent;
 * - older releases ignore `encoding_format` and answer float arrays (accepted);
 * - errors are `{object:"error", message, type, param, code}` with 400 for a `ValueError`
 *   (context length, bad ids) and 500 for anything else; `usage.prompt_tokens` counts
 *   end-of-text. The edge meters with its own exact count, so `usage` is not read.
 */
import type { EngineAdapter } from "./engine-adapter";
import {
  asSent,
  decodeOpenAiBody,
  openAiBody,
  OPENAI_EMBEDDINGS_PATH,
} from "./openai-route";

export const sglangAdapter: EngineAdapter = {
  name: "sglang",
  embedPath: OPENAI_EMBEDDINGS_PATH,
  wireInputs: asSent,
  requestBody: openAiBody,
  decode: decodeOpenAiBody,
};
