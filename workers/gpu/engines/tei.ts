/**
 * Hugging Face Text Embeddings Inference. Facts from huggingface/text-embeddings-inference
 * v1.9.3 (router/src/http/server.rs, router/src/http/types.rs, router/src/lib.rs,
 * core/src/tokenization.rs, router/src/main.rs):
 * - both routes take texts or token ids (`InputType::{String, Ids}`); texts are encoded
 *   with `add_special_tokens = true`, so Qwen3's tokenizer appends end-of-text; ids are
 *   decoded to text and re-encoded without special tokens, which keeps the trailing
 *   `<|endoftext|>` the pool's ids carry;
 * - `/v1/embeddings` honours `encoding_format: "base64"` (since v1.3.0) and answers
 *   `{object, data:[{object, embedding, index}], model, usage}`; `/embed` answers a bare
 *   `[[f32, ...], ...]` in input order and puts the token count in `x-compute-tokens`;
 * - over-long inputs are silently cut when `auto_truncate` is on (the default in
 *   v1.9.3): `/embed` takes `truncate: false` per request, the OpenAI route cannot, so
 *   launch TEI with `--auto-truncate false` (a cut input would lose its end-of-text);
 * - errors are `{error, error_type}` on `/embed` and `{message, code, type}` on the
 *   OpenAI route, `error_type` serialised as the variant name: 422 `Validation` /
 *   `Tokenizer` (an input, e.g. "`inputs` must have less than N tokens"), 424 `Backend`
 *   (the model failed), 429 `Overloaded`, 400 `Empty`, 503 `Unhealthy`;
 * - more than `--max-client-batch-size` inputs (default 32) is a 422 for the whole
 *   call: set GPU_BATCH_MAX_INPUTS to at most that, or raise it on the server.
 * Known quirk: issues #642 and #668 report Qwen3 vectors from TEI that differ from the
 * Sentence-Transformers reference (fixed for some set-ups in v1.7.3/1.7.4, still open for
 * others): check agreement before mixing TEI with other engines in one pool.
 */
import type { EngineAdapter } from "./engine-adapter";
import {
  asSent,
  decodeOpenAiBody,
  openAiBody,
  OPENAI_EMBEDDINGS_PATH,
} from "./openai-route";
import { decodeVectorList } from "../vector-decode";

export const teiAdapter: EngineAdapter = {
  name: "tei",
  embedPath: OPENAI_EMBEDDINGS_PATH,
  wireInputs: asSent,
  requestBody: openAiBody,
  decode: decodeOpenAiBody,
};

/** TEI's native route: floats only, never truncates, always normalises (already the default). */
export const teiEmbedAdapter: EngineAdapter = {
  name: "tei-embed",
  embedPath: "/embed",
  wireInputs: asSent,
  requestBody: (_model, inputs) => ({
    inputs,
    truncate: false,
    normalize: true,
  }),
  decode: decodeVectorList,
};
