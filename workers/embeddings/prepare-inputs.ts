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
 */
import type { GpuInput } from "../gpu/types";
import { qwen3TokenIds, withEndOfText } from "./qwen3-tokens";
import { DEFAULT_QUERY_INSTRUCTION, formatTextInput, queryPrefix, type InputType } from "./format-input";
import { isBlankToSglang } from "./sglang-blank-text";
import type { EmbeddingRequest } from "./request-schema";

export interface UniqueInput {
  /** Exactly what the model is sent. */
  model: GpuInput;
  /** What the cache key hashes: the formatted text for text inputs (even when sent as ids), else the ids. */
  cacheInput: GpuInput;
  /** Index in the request of its first occurrence (named in per-input errors). */
  firstIndex: number;
}

export interface PreparedInputs {
  unique: UniqueInput[];
  /** For each request input, its index in `unique`. */
  slotOf: number[];
}

export function resolveInputType(request: EmbeddingRequest): { inputType: InputType; instruction: string } {
  // An instruction only means something for queries, so giving one implies a query.
  const inputType = request.input_type ?? (request.instruction !== undefined ? "query" : "document");
  return { inputType, instruction: request.instruction ?? DEFAULT_QUERY_INSTRUCTION };
}

export async function prepareInputs(request: EmbeddingRequest): Promise<PreparedInputs> {
  const { inputType, instruction } = resolveInputType(request);
  const unique: UniqueInput[] = [];
  const seen = new Map<string, number>();
  const slotOf: number[] = [];
  const prefixIds =
    request.input.kind === "tokens" && inputType === "query"
      ? (await qwen3TokenIds(queryPrefix(instruction))).slice(0, -1)
      : [];

  for (const [index, item] of request.input.items.entries()) {
    const cacheInput: GpuInput =
      typeof item === "string" ? formatTextInput(item, inputType, instruction) : withEndOfText([...prefixIds, ...item]);
    const key = typeof cacheInput === "string" ? `t:${cacheInput}` : `i:${cacheInput.join(",")}`;
    let slot = seen.get(key);
    if (slot === undefined) {
      slot = unique.length;
      seen.set(key, slot);
      const model = typeof cacheInput === "string" && isBlankToSglang(cacheInput) ? await qwen3TokenIds(cacheInput) : cacheInput;
      unique.push({ model, cacheInput, firstIndex: index });
    }
    slotOf.push(slot);
  }
  return { unique, slotOf };
}
