/**
 * Redis replies to Upstash's JSON `result` values. Replies arrive as Buffers (the
 * bridge asks ioredis for raw bytes), so encoding is the only place bytes become text:
 *
 * - `Upstash-Encoding: base64`: every string, at any depth, is the base64 of its exact
 *   bytes. The one exception is a top-level "OK", which Upstash leaves as is and
 *   @upstash/redis passes through without decoding. Inside arrays the client decodes
 *   every string, so "OK" there must be encoded like any other string.
 * - default: strings are UTF-8 text; invalid sequences become U+FFFD, as Upstash does.
 *
 * Integers and nulls are never encoded.
 */

export type ResponseEncoding = "utf8" | "base64";
export type JsonReply = string | number | null | JsonReply[];

const OK = Buffer.from("OK");

/** The response encoding a request asked for; only `base64` changes anything. */
export function requestedEncoding(
  header: string | string[] | undefined,
): ResponseEncoding {
  const value = Array.isArray(header) ? header[0] : header;
  return value?.trim().toLowerCase() === "base64" ? "base64" : "utf8";
}

/** Encodes one command's reply (the value of `result`). */
export function encodeReply(
  reply: unknown,
  encoding: ResponseEncoding,
): JsonReply {
  if (encoding === "base64" && Buffer.isBuffer(reply) && reply.equals(OK))
    return "OK";
  return encodeValue(reply, encoding);
}

function encodeValue(value: unknown, encoding: ResponseEncoding): JsonReply {
  if (value === null || value === undefined) return null;
  if (typeof value === "number") return value;
  if (typeof value === "bigint") return Number(value);
  if (Buffer.isBuffer(value))
    return encoding === "base64"
      ? value.toString("base64")
      : value.toString("utf8");
  if (typeof value === "string")
    return encoding === "base64"
      ? Buffer.from(value, "utf8").toString("base64")
      : value;
  if (Array.isArray(value))
    return value.map((item) => encodeValue(item, encoding));
  // An error nested in an array (a Lua script returning {1, redis.error_reply(...)}):
  // Upstash's JSON has no nested error shape, so its message travels as a string.
  if (value instanceof Error) return encodeValue(value.message, encoding);
  throw new TypeError(`unexpected Redis reply type: ${typeof value}`);
}
