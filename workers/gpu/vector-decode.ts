/**
 * Turns an engine's embeddings response body into vectors, or says why it can't: the
 * OpenAI shape (`decodeEmbeddingResponse`) or TEI's bare list (`decodeVectorList`).
 * Nothing that fails these checks may reach a tenant or the cache: a NaN, a truncated
 * vector or a missing item would be served (and cached) as a real embedding.
 *
 * Accepted: `data[].embedding` as a float array (older SGLang ignores
 * `encoding_format`) or a base64 string of little-endian float32; items in any order,
 * placed by `data[].index`. Required: exactly one item per input sent, each exactly
 * 2560 finite values with L2 norm within 0.01 of 1 (the model normalises; a norm off by
 * more means a broken worker, e.g. fp16 overflow).
 */
import { decodeFloat32Base64 } from "../codec/float32-base64";
import { embeddingProblem } from "../vectors/unit-vector";

export type DecodeResult =
  { ok: true; vectors: Float32Array[] } | { ok: false; reason: string };

/** `bodyText` is parsed here so that a literal `NaN` (invalid JSON) is a bad response too. */
export function decodeEmbeddingResponse(
  bodyText: string,
  expectedCount: number,
): DecodeResult {
  const body = parseJson(bodyText);
  if (body === NOT_JSON) return fail("body is not valid JSON");
  const data = isRecord(body) ? body.data : undefined;
  if (!Array.isArray(data)) return fail("body has no data array");
  if (data.length !== expectedCount)
    return fail(`expected ${expectedCount} embeddings, got ${data.length}`);

  const vectors: (Float32Array | undefined)[] = new Array(expectedCount).fill(
    undefined,
  );
  for (const item of data) {
    const index = isRecord(item) ? item.index : undefined;
    if (
      typeof index !== "number" ||
      !Number.isInteger(index) ||
      index < 0 ||
      index >= expectedCount
    ) {
      return fail("an embedding has a missing or out-of-range index");
    }
    if (vectors[index] !== undefined)
      return fail(`index ${index} appears twice`);
    const vector = toFloat32(isRecord(item) ? item.embedding : undefined);
    if (vector === undefined)
      return fail(
        `embedding ${index} is neither a float array nor base64 float32`,
      );
    const problem = embeddingProblem(vector);
    if (problem !== undefined) return fail(`embedding ${index} ${problem}`);
    vectors[index] = vector;
  }
  // Count matched and indices are unique and in range, so every slot is filled.
  return { ok: true, vectors: vectors as Float32Array[] };
}

/**
 * A bare JSON array of float arrays in input order, as TEI's `/embed` answers
 * (router/src/http/types.rs `EmbedResponse(Vec<Vec<f32>>)`, v1.9.3), under the same
 * checks as above.
 */
export function decodeVectorList(
  bodyText: string,
  expectedCount: number,
): DecodeResult {
  const body = parseJson(bodyText);
  if (body === NOT_JSON) return fail("body is not valid JSON");
  if (!Array.isArray(body)) return fail("body is not an array of embeddings");
  if (body.length !== expectedCount) {
    return fail(`expected ${expectedCount} embeddings, got ${body.length}`);
  }
  const vectors: Float32Array[] = [];
  for (const [index, embedding] of body.entries()) {
    const vector = Array.isArray(embedding) ? toFloat32(embedding) : undefined;
    if (vector === undefined)
      return fail(`embedding ${index} is not a float array`);
    const problem = embeddingProblem(vector);
    if (problem !== undefined) return fail(`embedding ${index} ${problem}`);
    vectors.push(vector);
  }
  return { ok: true, vectors };
}

function toFloat32(embedding: unknown): Float32Array | undefined {
  if (typeof embedding === "string")
    return decodeFloat32Base64(embedding) ?? undefined;
  if (!Array.isArray(embedding)) return undefined;
  if (!embedding.every((v): v is number => typeof v === "number"))
    return undefined;
  return Float32Array.from(embedding);
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function fail(reason: string): DecodeResult {
  return { ok: false, reason };
}

const NOT_JSON = Symbol("not JSON");

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return NOT_JSON;
  }
}
