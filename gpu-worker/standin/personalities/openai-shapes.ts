/**
 * Pieces vLLM, TEI and llama.cpp share with each other (SGLang keeps its own in
 * ../protocol.ts): reading an OpenAI-style body whose input field may be named
 * differently, and writing one vector as JSON floats or base64.
 */
import {
  classifyInput,
  float32Base64,
  floatArrayJson,
  type RenderedVector,
} from "../protocol";
import type { EngineError, ParsedOrError } from "./personality";

/**
 * Reads `{[field], encoding_format?}`. Schema failures become `schemaError(message)`;
 * the engines' own content checks (empty input, length) come later.
 */
export function parseInputBody(
  bodyText: string,
  field: string,
  schemaError: (message: string) => EngineError,
): ParsedOrError {
  let body: unknown;
  try {
    body = JSON.parse(bodyText);
  } catch (e) {
    return {
      ok: false,
      error: schemaError(`JSON decode error: ${(e as Error).message}`),
    };
  }
  if (typeof body !== "object" || body === null || Array.isArray(body)) {
    return { ok: false, error: schemaError("body must be a JSON object") };
  }
  const fields = body as Record<string, unknown>;
  if (!(field in fields))
    return { ok: false, error: schemaError(`missing field \`${field}\``) };
  const classified = classifyInput(fields[field]);
  if (classified === null) {
    return {
      ok: false,
      error: schemaError(`\`${field}\` must be text, texts or token ids`),
    };
  }
  const format = fields.encoding_format ?? "float";
  if (format !== "float" && format !== "base64") {
    return {
      ok: false,
      error: schemaError("encoding_format must be float or base64"),
    };
  }
  return { ok: true, request: { ...classified, encodingFormat: format } };
}

/** One vector as JSON: a float array (non-finite as the engine's JSON writer does) or base64. */
export function vectorJson(
  rendered: RenderedVector,
  format: "float" | "base64",
): string {
  return format === "base64"
    ? JSON.stringify(float32Base64(rendered.vector))
    : floatArrayJson(rendered.vector, rendered.nonFinite ?? "orjson");
}
