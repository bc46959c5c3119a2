/**
 * A 200 whose body is a stream of lines (JSONL results and files), for `app.openapi`
 * handlers. @hono/zod-openapi 1.6.3 types every `application/…json…` media type as JSON
 * (`ReturnJsonOrTextOrResponse` in dist/index.d.mts matches `application/${string}json${string}`),
 * so it has no type a streamed `application/x-ndjson` or `application/jsonl` answer can
 * take; this one place says so. What is sent is the route's documented content type.
 */
import type { Context } from "hono";

export function streamedBody(
  c: Context,
  body: ReadableStream<Uint8Array>,
  contentType: "application/x-ndjson" | "application/jsonl",
): never {
  return c.body(body, 200, { "content-type": contentType }) as never;
}
