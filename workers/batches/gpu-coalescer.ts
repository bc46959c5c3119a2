/**
 * Joins the GPU work of a part's lines into shared bulk-lane calls. Each line of a batch
 * runs as its own `/v1/embeddings` pipeline (so its errors, cache and usage are its own),
 * but a line of one short input would otherwise take a whole bulk-lane turn, and with the
 * lane's pauses a 50,000-line batch would crawl. Here the items of every line that
 * reaches the GPU while a call is in flight wait and go together in the next one (the
 * pool still splits a call into sub-batches of INDEX_GPU_BATCH_MAX_TOKENS): continuous
 * batching, one call in flight per part.
 *
 * A joined call that the pool refuses with a 4xx (the model rejected one input) is
 * retried line by line, so only the line at fault fails; a 5xx fails every waiting line
 * (transient: the part is retried). GPU time is shared out by tokens.
 */
import { ApiError } from "../errors/api-error";
import type { GpuItem } from "../gpu/gpu-item";

export type EmbedOnGpu = (
  items: GpuItem[],
) => Promise<{ vectors: Float32Array[]; gpuMs: number }>;

interface Waiting {
  items: GpuItem[];
  resolve(result: { vectors: Float32Array[]; gpuMs: number }): void;
  reject(error: unknown): void;
}

const tokensOf = (items: readonly GpuItem[]) =>
  items.reduce((sum, item) => sum + item.tokens, 0);

/** `embed` behind a joiner: the returned function takes one line's items and answers their vectors and GPU-time share. */
export function coalescingGpu(embed: EmbedOnGpu): EmbedOnGpu {
  let waiting: Waiting[] = [];
  let inFlight = false;

  const run = async (group: Waiting[]): Promise<void> => {
    let result: { vectors: Float32Array[]; gpuMs: number };
    try {
      result = await embed(group.flatMap((w) => w.items));
    } catch (error) {
      if (group.length > 1 && error instanceof ApiError && error.status < 500) {
        await Promise.all(
          group.map((w) => embed(w.items).then(w.resolve, w.reject)),
        );
      } else group.forEach((w) => w.reject(error));
      return;
    }
    const total = Math.max(1, tokensOf(group.flatMap((w) => w.items)));
    let offset = 0;
    for (const w of group) {
      w.resolve({
        vectors: result.vectors.slice(offset, offset + w.items.length),
        gpuMs: (result.gpuMs * tokensOf(w.items)) / total,
      });
      offset += w.items.length;
    }
  };

  const drain = async (): Promise<void> => {
    // Lines finishing their cache lookups in the same turn of the event loop join the first call.
    await new Promise((resolve) => setTimeout(resolve, 0));
    while (waiting.length > 0) {
      const group = waiting;
      waiting = [];
      await run(group);
    }
    inFlight = false;
  };

  return (items) =>
    new Promise((resolve, reject) => {
      waiting.push({ items, resolve, reject });
      if (!inFlight) {
        inFlight = true;
        void drain();
      }
    });
}
