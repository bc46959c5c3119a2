/**
 * OpenAI's cursor pages, as every list route answers them (`/v1/files`, `/v1/batches`,
 * `/v1/index/jobs`, `/admin/v1/tenants`): the `limit` and `after` query parameters, their
 * checks, and the `{object: "list", data, first_id, last_id, has_more}` envelope, each as
 * its OpenAPI schema and as the value the handler builds.
 */
import { z } from "@hono/zod-openapi";
import { invalidRequest } from "../errors/api-error";

/** The largest `limit` any list route accepts (OpenAI's for `/v1/batches`). */
export const MAX_LIST_LIMIT = 100;

/**
 * The query of a list route: `limit` (1..MAX_LIST_LIMIT, default 20) and `after` (the last id of
 * the previous page), as strings checked by pageLimit/pageAfter in the handler.
 */
export function cursorPageQuery(noun: string) {
  return z.object({
    limit: z
      .string()
      .optional()
      .openapi({ description: `1..${MAX_LIST_LIMIT}, default 20` }),
    after: z
      .string()
      .optional()
      .openapi({ description: `Id of the last ${noun} of the previous page` }),
  });
}

/** The list envelope's schema around `item`'s; listPage() builds its value. */
export function cursorPageSchema<S extends z.ZodType>(item: S) {
  return z.object({
    object: z.literal("list"),
    data: z.array(item),
    first_id: z.string().nullable(),
    last_id: z.string().nullable(),
    has_more: z.boolean(),
  });
}

/** `limit`: 1..MAX_LIST_LIMIT, default 20 (OpenAI's default for its lists). */
export function pageLimit(raw: string | undefined): number {
  if (raw === undefined) return 20;
  const limit = Number(raw);
  if (!/^\d+$/.test(raw) || limit < 1 || limit > MAX_LIST_LIMIT)
    throw invalidRequest(
      `'limit' must be an integer between 1 and ${MAX_LIST_LIMIT}.`,
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

/** A cursor page of `T`s as listPage() builds it and cursorPageSchema() documents it. */
export type CursorPage<T extends { id: string }> = ReturnType<
  typeof listPage<T>
>;
