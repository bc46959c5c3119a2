/**
 * Several R2 objects read back as one stream, in order, one object open at a time (the
 * indexing results and the Batch API's output and error files are parts joined at
 * download, never copied). A missing object contributes nothing: a part that was never
 * written (a failed document) is simply absent.
 */
export function concatObjects(
  bucket: Pick<R2Bucket, "get">,
  keys: readonly string[],
): ReadableStream<Uint8Array> {
  let next = 0;
  let reader: ReadableStreamDefaultReader<Uint8Array> | null = null;
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      for (;;) {
        if (reader) {
          const { done, value } = await reader.read();
          if (!done) return controller.enqueue(value);
          reader = null;
        }
        if (next >= keys.length) return controller.close();
        const object = await bucket.get(keys[next++]!);
        if (object)
          reader = (object.body as ReadableStream<Uint8Array>).getReader();
      }
    },
    async cancel(reason) {
      await reader?.cancel(reason);
    },
  });
}
