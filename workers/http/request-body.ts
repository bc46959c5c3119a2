/**
 * A request's body bytes, decoded per its Content-Encoding and bounded: the one reader
 * behind every JSON body route (middleware/json-body.ts).
 *
 * - `identity` (or no header) is read as is; `gzip` (`x-gzip`) and `deflate` (the zlib
 *   format, RFC 9110 §8.4.1.2) are inflated with the runtime's DecompressionStream;
 *   anything else (br, zstd, several codings) is 415: the edge would otherwise parse
 *   compressed bytes as JSON, or worse, accept a plain body under a false label.
 * - The limit applies to the decoded bytes, counted while streaming, so a small body
 *   that inflates past it is refused (413) as soon as it passes, with the stream
 *   cancelled; the bytes received are held to the same limit (a compressed body is
 *   never larger than what it decodes to, give or take a few header bytes).
 * - A body that breaks off (the client disconnected, a gzip stream cut short or corrupt)
 *   is 400 `invalid_body`, logged as a client event: the client's failure, not ours.
 */
import { ApiError } from "../errors/api-error";
import { readAtMost } from "./read-at-most";

type Format = "gzip" | "deflate";

/** The codings the edge decodes, by their Content-Encoding token (`identity` is no coding). */
const DECODERS: Partial<Record<string, Format>> = {
  gzip: "gzip",
  "x-gzip": "gzip",
  deflate: "deflate",
};

function tooLarge(maxBytes: number): ApiError {
  return new ApiError(
    "request_too_large",
    `Request body too large: the limit is ${maxBytes} bytes.`,
    { code: "request_too_large" },
  );
}

/**
 * The body of `request`, decoded, at most `maxBytes` decoded bytes. Throws ApiError:
 * 415 `unsupported_content_encoding`, 413 `request_too_large` (a declared Content-Length
 * over the limit is refused before reading), 400 `invalid_body` (the body broke off).
 */
export async function readRequestBody(
  request: Request,
  maxBytes: number,
): Promise<Uint8Array> {
  const format = decoderFor(request.headers.get("content-encoding"));
  const declared = Number(request.headers.get("content-length"));
  if (Number.isFinite(declared) && declared > maxBytes)
    throw tooLarge(maxBytes);
  if (!request.body) return new Uint8Array(0);

  // A plain body is counted by readAtMost alone; a compressed one is counted on both sides
  // of the decoder (received bytes here, decoded bytes in readAtMost).
  let received = 0;
  const decoded = format
    ? decode(request.body, format, maxBytes, (n) => (received += n))
    : request.body;
  let bytes: Uint8Array | null;
  try {
    bytes = await readAtMost(decoded, maxBytes);
  } catch (cause) {
    if (received > maxBytes) throw tooLarge(maxBytes);
    const what = format
      ? `${format} data is truncated or corrupt`
      : "connection broke off";
    throw new ApiError(
      "invalid_request",
      `The request body could not be read to its end: the ${what}.`,
      {
        code: "invalid_body",
        logAsClientEvent: true,
        cause,
      },
    );
  }
  if (bytes === null) throw tooLarge(maxBytes);
  return bytes;
}

/** `body` inflated; a TransformStream counts the bytes received first and errors past `maxBytes`. */
function decode(
  body: ReadableStream<Uint8Array>,
  format: Format,
  maxBytes: number,
  count: (n: number) => number,
): ReadableStream<Uint8Array> {
  const counted = body.pipeThrough(
    new TransformStream<Uint8Array, Uint8Array>({
      transform(chunk, controller) {
        if (count(chunk.byteLength) > maxBytes)
          controller.error(new RangeError("request body over the limit"));
        else controller.enqueue(chunk);
      },
    }),
  );
  // The cast only bridges the DOM lib's typing (its writable side takes BufferSource,
  // which TS 5.9 does not unify with a Uint8Array over any ArrayBufferLike); the stream is the runtime's.
  return counted.pipeThrough(
    new DecompressionStream(format) as ReadableWritablePair<
      Uint8Array,
      Uint8Array
    >,
  );
}

/** The decompression format of a Content-Encoding header (null: read as is); throws 415 for any other coding. */
function decoderFor(header: string | null): Format | null {
  if (header === null) return null;
  const codings = header
    .split(",")
    .map((c) => c.trim().toLowerCase())
    .filter((c) => c.length > 0 && c !== "identity");
  if (codings.length === 0) return null;
  const format = codings.length === 1 ? DECODERS[codings[0]!] : undefined;
  if (format === undefined) {
    throw new ApiError(
      "unsupported_media_type",
      `Unsupported Content-Encoding '${header.slice(0, 100)}': send the body as is, or compressed with gzip or deflate.`,
      { code: "unsupported_content_encoding" },
    );
  }
  return format;
}
