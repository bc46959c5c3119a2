/**
 * Turns validated inputs into what the model is sent, deduplicated: identical inputs in
 * one request are computed once and fanned back out by `slotOf`. Text inputs get the
 * instruction template; token-id inputs get the template's own tokens in front (for
 * queries) and the end-of-text id at the end, since SGLang appends nothing to ids.
 *
 * A text that SGLang's text path would refuse as blank (whitespace only, after the
 * template: see sglang-blank-text.ts) is sent as its exact token ids plus end-of-text
 * instead, which is what SGLang itself would compute for that text: OpenAI embeds such
 * strings, so we do too. Only the transport changes: its cache key and its token count
 * are those of the text. In practice this is documents only: a query's formatted text
 * starts with `Instruct:`, so it is never blank and always goes as text.
 *
 * Under `truncate: end|start` an input over the limit is cut here, before its cache key
 * is made (truncate-input.ts): what is embedded, keyed and counted is the cut token ids,
 * and the request indices of cut inputs are reported in `truncated`.
 */
import type { GpuInput } from "../gpu/gpu-item";
import { qwen3TokenIds, withEndOfText } from "../tokenizer/qwen3-tokens";
import {
  DEFAULT_QUERY_INSTRUCTION,
  formatTextInput,
  queryPrefix,
  type InputType,
} from "./format-input";
import { isBlankToSglang } from "./sglang-blank-text";
import type { EmbeddingRequest } from "./request-schema";
import { cutTokenIds, truncateText, type Truncation } from "./truncate-input";
import { yieldToEventLoop } from "../cpu/map-in-chunks";
import { TOKENIZE_CHARS_PER_SLICE } from "./token-budget";

export interface UniqueInput {
  /** Exactly what the model is sent. */
  model: GpuInput;
  /** What the cache key hashes: the formatted text for text inputs (even when sent as ids), else the ids. */
  cacheInput: GpuInput;
  /** Index in the request of its first occurrence (named in per-input errors). */
  firstIndex: number;
  /** Its exact token count (end-of-text included) when preparing it already had to tokenize it. */
  tokens?: number;
}

export interface PreparedInputs {
  unique: UniqueInput[];
  /** For each request input, its index in `unique`. */
  slotOf: number[];
  /** Request indices of the inputs that `truncate` cut, ascending (empty without truncation). */
  truncated: number[];
}

export function resolveInputType(request: EmbeddingRequest): {
  inputType: InputType;
  instruction: string;
} {
  // An instruction only means something for queries, so giving one implies a query.
  const inputType =
    request.input_type ??
    (request.instruction !== undefined ? "query" : "document");
  return {
    inputType,
    instruction: request.instruction ?? DEFAULT_QUERY_INSTRUCTION,
  };
}

/**
 * The request's inputs as the model gets them, deduplicated. `truncation` (from
 * `resolveTruncation`; absent for `truncate: none`) cuts over-long inputs; the caller's
 * limits are otherwise checked later, by countAndAdmitTokens.
 */
export async function prepareInputs(
  request: EmbeddingRequest,
  truncation?: Truncation,
): Promise<PreparedInputs> {
  const { inputType, instruction } = resolveInputType(request);
  const unique: UniqueInput[] = [];
  const seen = new Map<string, number>();
  const slotOf: number[] = [];
  const truncated: number[] = [];
  let prefix: Promise<number[]> | undefined;
  const prefixIds = (): Promise<number[]> =>
    inputType === "query"
      ? (prefix ??= qwen3TokenIds(queryPrefix(instruction)).then((ids) =>
          ids.slice(0, -1),
        ))
      : Promise.resolve([]);
  const tokenPrefix = request.input.kind === "tokens" ? await prefixIds() : [];
  let charsSinceYield = 0;

  for (const [index, item] of request.input.items.entries()) {
    let cacheInput: GpuInput;
    let tokens: number | undefined;
    if (typeof item === "string") {
      cacheInput = formatTextInput(item, inputType, instruction);
      if (truncation !== undefined) {
        if (charsSinceYield >= TOKENIZE_CHARS_PER_SLICE) {
          await yieldToEventLoop();
          charsSinceYield = 0;
        }
        const outcome = await truncateText(
          cacheInput,
          item,
          prefixIds,
          truncation,
        );
        if ("ids" in outcome) {
          charsSinceYield += cacheInput.length;
          cacheInput = outcome.ids;
          if (outcome.cut) truncated.push(index);
        } else {
          if (outcome.tokens !== undefined)
            charsSinceYield += cacheInput.length;
          tokens = outcome.tokens;
        }
      }
    } else {
      cacheInput = withEndOfText([...tokenPrefix, ...item]);
      if (
        truncation !== undefined &&
        cacheInput.length > truncation.maxTokens
      ) {
        const { ids, cut } = cutTokenIds(tokenPrefix, item, truncation);
        cacheInput = ids;
        if (cut) truncated.push(index);
      }
    }
    const key =
      typeof cacheInput === "string"
        ? `t:${cacheInput}`
        : `i:${cacheInput.join(",")}`;
    let slot = seen.get(key);
    if (slot === undefined) {
      slot = unique.length;
      seen.set(key, slot);
      const model =
        typeof cacheInput === "string" && isBlankToSglang(cacheInput)
          ? await qwen3TokenIds(cacheInput)
          : cacheInput;
      unique.push({
        model,
        cacheInput,
        firstIndex: index,
        ...(tokens !== undefined ? { tokens } : {}),
      });
    }
    slotOf.push(slot);
  }
  return { unique, slotOf, truncated };
}
