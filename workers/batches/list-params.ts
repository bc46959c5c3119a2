/** OpenAI's cursor-page parameters for `GET /v1/files` and `GET /v1/batches`: `limit` and `after` (an id). */
import { invalidRequest } from "../errors/api-error";

/** `limit`: 1..`max`, default 20 (OpenAI's default for both lists). */
export function pageLimit(raw: string | undefined, max: number): number {
  if (raw === undefined) return 20;
  const limit = Number(raw);
  if (!/^\d+$/.test(raw) || limit < 1 || limit > max)
    throw invalidRequest(
      `'limit' must be an integer between 1 and ${max}.`,
      "limit",
    );
  return limit;
}

/** `after`: null, or an id `isId` accepts (it becomes part of a storage key). */
export function pageAfter(
  raw: string | undefined,
  isId: (id: string) => boolean,
): string | null {
  if (raw === undefined) return null;
  if (!isId(raw))
    throw invalidRequest(
      "'after' must be an id from a previous page.",
      "after",
    );
  return raw;
}

/** OpenAI's list envelope. */
export function listPage<T extends { id: string }>(
  data: T[],
  hasMore: boolean,
) {
  return {
    object: "list" as const,
    data,
    first_id: data[0]?.id ?? null,
    last_id: data.at(-1)?.id ?? null,
    has_more: hasMore,
  };
}
