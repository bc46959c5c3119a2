/**
 * llama.cpp's `llama-server --embedding --pooling last` with a Qwen3-Embedding GGUF.
 * Facts from ggml-org/llama.cpp (tools/server/server.cpp `handle_embeddings_impl` and
 * tools/server/utils.hpp `format_error_response`, `format_embeddings_response_oaicompat`
 * (server-common.cpp in later builds),
 * builds of late 2025):
 * - texts are tokenised with `add_special = true`, which appends end-of-text only when
 *   the GGUF sets `tokenizer.ggml.add_eos_token`; conversions made before that flag was
 *   written for Qwen3 lack it and the vector silently pools the wrong token. Token ids
 *   are used as sent, so the edge sends every input as Qwen3 token ids ending with
 *   151643 (the GGUF vocabulary is the Hugging Face one);
 * - vectors are L2-normalised by default (`embd_normalize` 2); `encoding_format:
 *   "base64"` is honoured by current builds and ignored (floats, accepted) by older ones;
 * - errors are `{error:{code, message, type}}`: 400 `invalid_request_error` (empty
 *   input, bad format) or `exceed_context_size_error`, 500 `server_error` (e.g. "input
 *   (N tokens) is too large to process. increase the physical batch size"), 501
 *   `not_supported_error` without `--embedding`, 503 `unavailable_error` while loading;
 *   `/health` answers 200 `{"status":"ok"}` once the model is loaded.
 */
import type { GpuInput } from "../gpu-item";
import type { EngineAdapter } from "./engine-adapter";
import {
  decodeOpenAiBody,
  openAiBody,
  OPENAI_EMBEDDINGS_PATH,
} from "./openai-route";
import { qwen3TokenIds, withEndOfText } from "../../tokenizer/qwen3-tokens";

/** Every input as Qwen3 token ids ending with end-of-text. */
async function asTokenIds(inputs: readonly GpuInput[]): Promise<GpuInput[]> {
  return Promise.all(
    inputs.map((input) =>
      typeof input === "string" ? qwen3TokenIds(input) : withEndOfText(input),
    ),
  );
}

export const llamacppAdapter: EngineAdapter = {
  name: "llamacpp",
  embedPath: OPENAI_EMBEDDINGS_PATH,
  wireInputs: asTokenIds,
  requestBody: openAiBody,
  decode: decodeOpenAiBody,
};
