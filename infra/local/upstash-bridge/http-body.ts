/**
 * Bounded request-body reading. The bound holds whatever Content-Length says (or when
 * it is absent, as with chunked bodies): bytes are counted as they arrive.
 */
import type { IncomingMessage } from "node:http";

export class BodyTooLarge extends Error {
  override name = "BodyTooLarge";
}

/** Resolves with the whole body, or rejects with BodyTooLarge once `maxBytes` is passed. */
export function readBody(
  request: IncomingMessage,
  maxBytes: number,
): Promise<Buffer> {
  const declared = Number(request.headers["content-length"]);
  if (Number.isFinite(declared) && declared > maxBytes) {
    return Promise.reject(new BodyTooLarge(tooLargeMessage(maxBytes)));
  }
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let received = 0;
    let exceeded = false;
    request.on("data", (chunk: Buffer) => {
      received += chunk.length;
      if (received > maxBytes) exceeded = true;
      // Past the bound the rest is read and dropped, so the 413 can still be delivered
      // on a healthy connection instead of a reset one.
      if (!exceeded) chunks.push(chunk);
    });
    let ended = false;
    request.once("end", () => {
      ended = true;
      if (exceeded) reject(new BodyTooLarge(tooLargeMessage(maxBytes)));
      else resolve(Buffer.concat(chunks));
    });
    request.once("error", reject);
    // A client that hangs up mid-body may not produce "error"; "close" always comes.
    request.once("close", () => {
      if (!ended)
        reject(new Error("request aborted before its body was complete"));
    });
  });
}

function tooLargeMessage(maxBytes: number): string {
  // Upstash's wording for the same limit, with the bound added.
  return `ERR max request size exceeded: the limit is ${maxBytes} bytes`;
}
