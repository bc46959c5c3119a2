/**
 * What the model is actually sent for each input. Qwen3-Embedding is trained with an
 * instruction on the query side only: `Instruct: {task}\nQuery:{text}` (no space after
 * `Query:`), documents verbatim. The formatted text is also what the cache key hashes,
 * so query/document and the instruction can never share a vector by accident.
 */
export const DEFAULT_QUERY_INSTRUCTION =
  "Given a web search query, retrieve relevant passages that answer the query";

export type InputType = "query" | "document";

export function queryPrefix(instruction: string): string {
  return `Instruct: ${instruction}\nQuery:`;
}

export function formatTextInput(
  text: string,
  inputType: InputType,
  instruction: string,
): string {
  return inputType === "query" ? queryPrefix(instruction) + text : text;
}
