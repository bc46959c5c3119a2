/**
 * The served model's identity and limits, named once: every module that needs the
 * model's name, its vector size or the request limits imports them from here.
 *
 * Facts about Qwen3-Embedding-4B come from its model card
 * (https://huggingface.co/Qwen/Qwen3-Embedding-4B: embedding dimension up to 2560,
 * user-defined output dimensions 32 to 2560, context length 32k); the input-count limit
 * is OpenAI's for `/v1/embeddings`
 * (https://platform.openai.com/docs/api-reference/embeddings/create, `input`: "any array
 * must be 2048 dimensions or less", meaning at most 2048 items).
 */

/** The id clients send and every answer names (`model` in requests and responses, `/v1/models`). */
export const PUBLIC_MODEL_ID = "Qwen3-Embedding-4B";

/** The Hugging Face id: sent to the GPU workers, accepted from clients as an alias. */
export const UPSTREAM_MODEL_ID = "Qwen/Qwen3-Embedding-4B";

/**
 * Length of every vector the model returns, and so of every vector the GPU pool
 * accepts and the cache stores; `dimensions` (Matryoshka) is derived from it on read.
 */
export const EMBEDDING_DIMENSIONS = 2560;

/** The smallest `dimensions` a request may ask for (the model card's lower bound). */
export const MIN_DIMENSIONS = 32;

/**
 * The most inputs one embeddings request carries (OpenAI's limit): the request schema
 * refuses more, plans cannot allow more, and one GPU call never needs more.
 */
export const MAX_INPUTS_PER_REQUEST = 2048;

/**
 * The GPU workers' context length in tokens when `GPU_CONTEXT_LENGTH` is unset: the
 * model's 32k (32,768) context, which the SGLang launch sets with `--context-length`.
 * An input must stay below it (end-of-text included), so the per-input limit is 32,767.
 */
export const DEFAULT_CONTEXT_LENGTH = 32_768;
