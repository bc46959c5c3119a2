/**
 * `truncate` (extension): an input over the per-input token limit is cut by the edge,
 * exactly, instead of refused. SGLang's own truncation cannot be used: it keeps the head
 * and drops the end-of-text token Qwen3-Embedding pools on (last-token pooling), so the
 * vector would be of a mid-sentence token. Here a cut input is always
 *
 *   head ‖ kept tokens of the text ‖ end-of-text (151643)
 *
 * with exactly `maxTokens` tokens, where head is the query's instruction prefix
 * (`Instruct: …\nQuery:` tokenized on its own, end-of-text removed; empty for documents),
 * so a query keeps its instruction whole and loses text only. `end` keeps the first
 * tokens of the text, `start` the last ones (Cohere's `truncate` END/START,
 * https://docs.cohere.com/reference/embed; TEI's `truncation_direction` Right/Left).
 *
 * A cut text is sent to the model as these token ids, and its cache key is of these ids
 * (workers/cache/cache-key.ts tag 0x01), i.e. of exactly what was embedded: a later
 * identical request, or a token-id request for the same ids, reads the same entry. An
 * input that fits is untouched (a text stays text, keyed by its text).
 *
 * Deciding whether a text fits needs its token count, so it is tokenized before the cache
 * lookup; a text whose UTF-8 length is already within the limit cannot be over it (every
 * Qwen3 token is at least one byte), so ordinary inputs are never tokenized here.
 */
import { invalidRequest } from "../errors/api-error";
import { END_OF_TEXT_ID, qwen3TokenIds } from "../tokenizer/qwen3-tokens";
import { maxTokensPerInput } from "./token-budget";
import type { EmbeddingRequest } from "./request-schema";

export type TruncateSide = "end" | "start";

/** How this request cuts: from which side, to at most `maxTokens` tokens (end-of-text and prefix included). */
export interface Truncation {
  side: TruncateSide;
  maxTokens: number;
}

/**
 * The request's truncation, or undefined for `truncate: none` (the default).
 * Throws a 400 naming `max_tokens_per_input` when it is above the engine's per-input limit.
 */
export function resolveTruncation(
  request: Pick<EmbeddingRequest, "truncate" | "max_tokens_per_input">,
  contextLength: number,
): Truncation | undefined {
  const side = request.truncate ?? "none";
  if (side === "none") return undefined;
  const limit = maxTokensPerInput(contextLength);
  const wanted = request.max_tokens_per_input ?? limit;
  if (wanted > limit) {
    throw invalidRequest(
      `'max_tokens_per_input' must be between 1 and ${limit} (the per-input limit, end-of-text included); got ${wanted}.`,
      "max_tokens_per_input",
    );
  }
  return { side, maxTokens: wanted };
}

/**
 * `head ‖ body ‖ end-of-text`, cut from `truncation.side` of `body` to exactly
 * `truncation.maxTokens` tokens when longer. `body` is the text's ids without end-of-text
 * (a trailing one is dropped first, as a token-id input may carry it). `cut` says whether
 * any body token was dropped. Throws a 400 naming `max_tokens_per_input` when the head and
 * end-of-text alone do not fit.
 */
export function cutTokenIds(
  head: readonly number[],
  body: readonly number[],
  truncation: Truncation,
): { ids: number[]; cut: boolean } {
  const text =
    body[body.length - 1] === END_OF_TEXT_ID ? body.slice(0, -1) : body;
  const room = truncation.maxTokens - head.length - 1;
  if (room < 0) {
    throw invalidRequest(
      `'max_tokens_per_input' is ${truncation.maxTokens}, fewer than the ${head.length + 1} tokens of the query's instruction prefix and end-of-text.`,
      "max_tokens_per_input",
    );
  }
  if (text.length <= room)
    return { ids: [...head, ...text, END_OF_TEXT_ID], cut: false };
  const kept =
    truncation.side === "end"
      ? text.slice(0, room)
      : text.slice(text.length - room);
  return { ids: [...head, ...kept, END_OF_TEXT_ID], cut: true };
}

/**
 * False when `text` (as sent, template included) surely fits in `maxTokens` with
 * end-of-text. Qwen3's tokenizer NFC-normalises, then every token covers at least one
 * UTF-8 byte, so tokens <= UTF-8 bytes of the NFC form; NFC at most triples a string's
 * length (Unicode UAX #15, "Stability of Normalization Forms"), at 3 bytes per UTF-16 unit.
 */
export function mayExceed(text: string, maxTokens: number): boolean {
  if (9 * text.length + 1 <= maxTokens) return false;
  return utf8.encode(text.normalize("NFC")).length + 1 > maxTokens;
}

const utf8 = new TextEncoder();

/**
 * A text input under `truncation`: `{ ids, cut }` (what to embed, end-of-text last) when
 * it is over the limit, else `{ tokens }` with its exact count when it had to be
 * tokenized to know (undefined when its length alone shows it fits). `formatted` is the
 * text as the model would get it, `text` the client's text, `head` the query prefix's ids
 * (empty for documents). `cut` is false only for a query that is over as one text but
 * fits once prefix and text are tokenized apart: it is then sent whole, as those ids.
 */
export async function truncateText(
  formatted: string,
  text: string,
  head: () => Promise<readonly number[]>,
  truncation: Truncation,
): Promise<{ ids: number[]; cut: boolean } | { tokens: number | undefined }> {
  if (!mayExceed(formatted, truncation.maxTokens)) return { tokens: undefined };
  const whole = await qwen3TokenIds(formatted);
  if (whole.length <= truncation.maxTokens) return { tokens: whole.length };
  const prefix = await head();
  // A query's prefix and text are tokenized apart, so the prefix survives whole (tokens
  // may merge across `Query:` when tokenized together).
  return cutTokenIds(
    prefix,
    prefix.length === 0 ? whole : await qwen3TokenIds(text),
    truncation,
  );
}
