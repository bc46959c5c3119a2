/**
 * Cache keys: one per input, content-addressed over the model revision and exactly what
 * the model is sent (the formatted text, instruction included, or the final token ids).
 * Nothing else enters the key (`user`, `encoding_format` and `dimensions` never do), so
 * every request shape and every `dimensions` share one stored full vector.
 *
 *   emb:v1:{scope}:{b64url(sha256(message))}          b64url unpadded, always 43 chars
 *   message = utf8(modelRevision) ‖ 0x00 ‖ tag ‖ payload
 *     tag 0x01  token ids: each id as uint32 little-endian
 *     tag 0x02  text: its UTF-8 bytes
 *     tag 0x03  text containing a lone surrogate: its UTF-16LE code units
 *
 * Why it is unambiguous: the revision may not contain NUL, so the first 0x00 ends it;
 * the tag then says how the rest was encoded, so a text can never hash the same bytes as
 * a list of ids (nor a revision/text split collide with another). Within a tag the
 * encoding is injective: ids are fixed-width, UTF-8 is injective on well-formed strings,
 * and strings that are not well-formed (which TextEncoder would silently turn into
 * U+FFFD, merging different inputs) are hashed as raw code units under their own tag.
 *
 * Scopes are `global` or `tenant:<id>` with the id percent-encoded (`tenantScope`), so a
 * tenant id can never bring in a ':' (key structure) or a Redis glob character: the
 * prefix `emb:v1:tenant:<id>:` belongs to one tenant, e.g. for a SCAN/MATCH purge.
 */
import { mapInChunks } from "../cpu/map-in-chunks";
import { bytesToBase64 } from "../codec/float32-base64";

/** Exact text sent to the model, or the exact token ids (end-of-text included). */
export type ModelInput = string | readonly number[];

export const CACHE_KEY_PREFIX = "emb:v1:";
export const GLOBAL_SCOPE = "global";

const TAG_TOKEN_IDS = 0x01;
const TAG_UTF8_TEXT = 0x02;
const TAG_UTF16_TEXT = 0x03;

const SCOPE_PATTERN = /^(?:global|tenant:(?:[A-Za-z0-9_.-]|%[0-9A-F]{2})+)$/;
const LONE_SURROGATE =
  /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
const UNRESERVED_BYTE = /^[A-Za-z0-9_.-]$/;
const utf8 = new TextEncoder();

/** The scope of one tenant: `tenant:` + its id, every byte outside [A-Za-z0-9_.-] as %XX. */
export function tenantScope(tenantId: string): string {
  if (tenantId.length === 0)
    throw new RangeError("tenant id must not be empty");
  if (LONE_SURROGATE.test(tenantId))
    throw new RangeError("tenant id is not well-formed UTF-16");
  let escaped = "";
  for (const byte of utf8.encode(tenantId)) {
    const char = String.fromCharCode(byte);
    escaped += UNRESERVED_BYTE.test(char)
      ? char
      : `%${byte.toString(16).toUpperCase().padStart(2, "0")}`;
  }
  return `tenant:${escaped}`;
}

/** Inputs hashed per slice before yielding to the isolate's other requests (a hash of a short text is ~µs). */
const HASHES_PER_SLICE = 256;

/**
 * Keys for many inputs of one scope and revision, in input order; the hashes of a slice
 * run concurrently, and a large batch yields between slices (workers/cpu/map-in-chunks.ts).
 */
export async function cacheKeysFor(parts: {
  /** `GLOBAL_SCOPE` or the result of `tenantScope(id)`. */
  scope: string;
  /** e.g. "Qwen/Qwen3-Embedding-4B@main": a new revision must never read old vectors. */
  modelRevision: string;
  modelInputs: readonly ModelInput[];
}): Promise<string[]> {
  const { scope, modelRevision, modelInputs } = parts;
  if (!SCOPE_PATTERN.test(scope)) {
    throw new RangeError(
      `cache scope must be "global" or tenantScope(id), got ${JSON.stringify(scope)}`,
    );
  }
  if (
    modelRevision.length === 0 ||
    modelRevision.includes("\u0000") ||
    LONE_SURROGATE.test(modelRevision)
  ) {
    throw new RangeError(
      "model revision must be non-empty, well-formed and free of NUL",
    );
  }
  const revision = utf8.encode(modelRevision);
  const prefix = `${CACHE_KEY_PREFIX}${scope}:`;
  return mapInChunks(
    modelInputs,
    async (input) =>
      prefix +
      toBase64Url(
        new Uint8Array(
          await crypto.subtle.digest("SHA-256", hashMessage(revision, input)),
        ),
      ),
    HASHES_PER_SLICE,
  );
}

function hashMessage(
  revision: Uint8Array,
  input: ModelInput,
): Uint8Array<ArrayBuffer> {
  const head = revision.length + 2; // revision, 0x00, tag
  if (typeof input !== "string") {
    const message = new Uint8Array(head + input.length * 4);
    const view = new DataView(message.buffer);
    input.forEach((id, i) => {
      if (!Number.isInteger(id) || id < 0 || id > 0xffffffff)
        throw new RangeError(`token id ${id} is not a uint32`);
      view.setUint32(head + i * 4, id, true);
    });
    return withHead(message, revision, TAG_TOKEN_IDS);
  }
  if (LONE_SURROGATE.test(input)) {
    const message = new Uint8Array(head + input.length * 2);
    const view = new DataView(message.buffer);
    for (let i = 0; i < input.length; i++)
      view.setUint16(head + i * 2, input.charCodeAt(i), true);
    return withHead(message, revision, TAG_UTF16_TEXT);
  }
  // A UTF-16 code unit is at most 3 UTF-8 bytes, so this buffer always suffices.
  const message = new Uint8Array(head + input.length * 3);
  const { written } = utf8.encodeInto(input, message.subarray(head));
  return withHead(message.subarray(0, head + written), revision, TAG_UTF8_TEXT);
}

function withHead(
  message: Uint8Array<ArrayBuffer>,
  revision: Uint8Array,
  tag: number,
): Uint8Array<ArrayBuffer> {
  message.set(revision, 0);
  message[revision.length] = 0x00;
  message[revision.length + 1] = tag;
  return message;
}

function toBase64Url(bytes: Uint8Array): string {
  return bytesToBase64(bytes)
    .replace(/=+$/, "")
    .replace(/\+/g, "-")
    .replace(/\//g, "_");
}
