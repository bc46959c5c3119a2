/**
 * A failed zod parse as the one OpenAI-style 400 a client sees: of several problems,
 * an unknown field first, then fields in the schema's order, with `param` naming the
 * exact place (`documents[2].url`, `plan.tokens_per_minute`). Used by the routes'
 * validation hook (routes/validation-hook.ts) and by `validated` for bodies checked
 * outside a route (a batch input line).
 */
import type { z } from "zod";
import { invalidRequest, type ApiError } from "./api-error";

/** `["input", 3, 1]` -> `input[3][1]`, the way OpenAI names nested params. */
export function paramOf(path: readonly PropertyKey[]): string {
  return path
    .map((p, i) =>
      typeof p === "number" ? `[${p}]` : i === 0 ? String(p) : `.${String(p)}`,
    )
    .join("");
}

export function schemaError(
  issues: readonly z.core.$ZodIssue[],
  fieldOrder: readonly string[],
): ApiError {
  const rank = (issue: z.core.$ZodIssue) =>
    issue.code === "unrecognized_keys"
      ? -1
      : issue.path.length === 0
        ? fieldOrder.length
        : fieldOrder.indexOf(String(issue.path[0]));
  const issue = [...issues].sort((a, b) => rank(a) - rank(b))[0]!;
  if (issue.code === "unrecognized_keys") {
    const param = paramOf([...issue.path, issue.keys[0]!]);
    return invalidRequest(
      `Unrecognized request argument supplied: ${param}`,
      param,
    );
  }
  return invalidRequest(
    issue.message,
    issue.path.length === 0 ? null : paramOf(issue.path),
  );
}

/** The top-level field order of an object schema (empty for any other schema). */
export function fieldOrderOf(schema: z.ZodType): string[] {
  const shape: unknown = (schema as { shape?: unknown }).shape;
  return typeof shape === "object" && shape !== null ? Object.keys(shape) : [];
}

/** `value` parsed by `schema`; throws the 400 `schemaError` makes of its issues. */
export function validated<S extends z.ZodType>(
  schema: S,
  value: unknown,
): z.output<S> {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  throw schemaError(result.error.issues, fieldOrderOf(schema));
}
