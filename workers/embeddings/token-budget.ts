/**
 * Exact token counts and the size limits that depend on them, checked before any GPU
 * work. Inputs served from the cache bring their count in the record and are never
 * tokenized again (tokenizing is the edge's costliest CPU step). Counting stops as soon
 * as the request is over its total, so an 8 MiB body of text cannot buy seconds of
 * tokenizer CPU before being refused.
 *
 * The per-input limit is the engine's: SGLang refuses an input whose token count,
 * end-of-text included, reaches its `--context-length` (`input_token_num >=
 * self.context_len` in `TokenizerManager._validate_one_request`,
 * python/sglang/srt/managers/tokenizer_manager.py, sgl-project/sglang commit 001067ff).
 * Refusing the same inputs here gives every over-long input one error, naming it.
 */
import { yieldToEventLoop } from "../cpu/map-in-chunks";
import { invalidRequest } from "../errors/api-error";
import { qwen3TokenCount } from "../tokenizer/qwen3-tokens";
import type { UniqueInput } from "./prepare-inputs";

export const MAX_TOKENS_PER_REQUEST = 300_000;
/**
 * Characters tokenized between two yields to the event loop. Tokenizing runs at roughly
 * 1 MB of English text per second here (about 240k tokens/s), so one slice is a few
 * milliseconds: a request that tokenizes less never yields, a 2,048-input batch lets the
 * isolate's other requests run every few milliseconds (workers/cpu/map-in-chunks.ts).
 */
export const TOKENIZE_CHARS_PER_SLICE = 4096;

/** The most tokens (end-of-text included) one input may have on an engine with this context length. */
export function maxTokensPerInput(contextLength: number): number {
  return contextLength - 1;
}

/**
 * Token count of each unique input (`known[i]` when the cache had it, else `tokens` when
 * preparing counted it); throws the 400
 * for the first limit crossed: `context_length_exceeded` naming the first over-long
 * `input[i]` (cached inputs included, so the answer does not depend on the cache), or
 * `max_tokens_per_request`. `slotOf` weighs each unique input by its uses.
 */
export async function countAndAdmitTokens(
  unique: readonly UniqueInput[],
  slotOf: readonly number[],
  contextLength: number,
  known: readonly (number | undefined)[] = [],
): Promise<number[]> {
  const maxPerInput = maxTokensPerInput(contextLength);
  const uses = new Array<number>(unique.length).fill(0);
  for (const slot of slotOf) uses[slot]! += 1;

  // Known counts first: they cost nothing and may already exceed the total.
  let requestTotal = 0;
  unique.forEach(
    (_, slot) => (requestTotal += (known[slot] ?? 0) * uses[slot]!),
  );
  if (requestTotal > MAX_TOKENS_PER_REQUEST) throw tooManyTokens();

  const counts: number[] = [];
  let charsSinceYield = 0;
  for (const [slot, input] of unique.entries()) {
    const cached = known[slot];
    // Preparing may already have counted it (truncate-input.ts); never tokenize twice.
    let tokens = cached ?? input.tokens;
    if (tokens === undefined) {
      if (charsSinceYield >= TOKENIZE_CHARS_PER_SLICE) {
        await yieldToEventLoop();
        charsSinceYield = 0;
      }
      charsSinceYield +=
        typeof input.model === "string" ? input.model.length : 0;
      tokens =
        typeof input.model === "string"
          ? await qwen3TokenCount(input.model)
          : input.model.length;
    }
    if (tokens > maxPerInput) {
      throw invalidRequest(
        `Input [${input.firstIndex}] has ${tokens} tokens, more than the maximum of ${maxPerInput} tokens per input (end-of-text included).`,
        `input[${input.firstIndex}]`,
        "context_length_exceeded",
      );
    }
    if (cached === undefined) {
      requestTotal += tokens * uses[slot]!;
      if (requestTotal > MAX_TOKENS_PER_REQUEST) throw tooManyTokens();
    }
    counts.push(tokens);
  }
  return counts;
}

function tooManyTokens() {
  return invalidRequest(
    `The request has more than ${MAX_TOKENS_PER_REQUEST} tokens in total; send fewer or shorter inputs per request.`,
    "input",
    "max_tokens_per_request",
  );
}
