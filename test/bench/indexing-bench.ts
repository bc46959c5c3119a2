/**
 * Issue 6's benchmark, all in one run: (1) chunks per second through the whole job path
 * (POST -> queue -> fetch input -> chunk -> cache -> bulk lane -> R2 -> completed) with
 * the stand-in at profile `none` and `l4`; (2) a re-index after 10% of each document's
 * text changed (one contiguous section, as when an editor rewrites a section): chunks
 * computed vs cached and the time against the first indexing; (3) interactive
 * `/v1/embeddings` p50 (1 uncached input) while a large job runs vs idle, on `l4`.
 * Default indexing settings: 800/400-token chunks, bulk lane 1 call of <= 1024 tokens.
 */
import type { BenchStack } from "./bench-stack";
import { interactiveLatency, percentile } from "./load";
import { sentences } from "./texts";

interface Job {
  id: string;
  status: string;
  counts: {
    documents: number;
    chunks: number;
    chunks_from_cache: number;
    chunks_computed: number;
    failed: number;
  };
}

const PARAGRAPHS = 40;

function documents(
  count: number,
  seed: number,
  rewrite?: { from: number; to: number },
): { id: string; text: string }[] {
  return Array.from({ length: count }, (_, d) => {
    const paragraphs = Array.from({ length: PARAGRAPHS }, (_, p) => {
      const edited =
        rewrite !== undefined && p >= rewrite.from && p < rewrite.to;
      return sentences(
        4,
        seed * 100_000 + d * 1000 + p + (edited ? 500 : 0),
      ).join(" ");
    });
    return { id: `doc-${d}`, text: paragraphs.join("\n\n") };
  });
}

async function runJob(
  url: string,
  apiKey: string,
  docs: { id: string; text: string }[],
  onRunning?: (job: Job) => Promise<void>,
) {
  const headers = {
    authorization: `Bearer ${apiKey}`,
    "content-type": "application/json",
  };
  const t0 = performance.now();
  const created = await fetch(`${url}/v1/index/jobs`, {
    method: "POST",
    headers,
    body: JSON.stringify({ documents: docs }),
  });
  if (created.status !== 202)
    throw new Error(
      `bench: job create ${created.status} ${await created.text()}`,
    );
  const { id } = (await created.json()) as Job;
  const during = onRunning?.({ id } as Job);
  let job: Job;
  let lastReport = performance.now();
  for (;;) {
    job = (await (
      await fetch(`${url}/v1/index/jobs/${id}`, { headers })
    ).json()) as Job;
    if (["completed", "failed", "cancelled"].includes(job.status)) break;
    if (performance.now() - lastReport > 10_000) {
      lastReport = performance.now();
      console.log(`  ${id}: ${job.status}, ${JSON.stringify(job.counts)}`);
    }
    await new Promise((r) => setTimeout(r, 25));
  }
  const seconds = (performance.now() - t0) / 1000;
  await during;
  if (job.status !== "completed" || job.counts.failed > 0)
    throw new Error(`bench: job ended ${JSON.stringify(job)}`);
  return { job, seconds, chunksPerSecond: job.counts.chunks / seconds };
}

export async function runIndexingBench(stack: BenchStack): Promise<void> {
  const l4Standin = await stack.startStandin("l4");
  const noneEdge = await stack.startEdge({});
  const l4Edge = await stack.startEdge({ GPU_WORKER_URLS: l4Standin });
  // Interactive traffic from another edge instance on the same GPU, as in production, where
  // queue consumers and HTTP requests run in different isolates. Through the job's own
  // instance, requests also queue behind the consumer's tokenizing on the one JS thread
  // Miniflare gives both; that figure is printed too.
  const l4Interactive = await stack.startEdge({ GPU_WORKER_URLS: l4Standin });
  const key = stack.apiKey;

  const progress = (step: string) => console.log(`indexing bench: ${step}`);
  progress("40 documents, profile none");
  const none = await runJob(noneEdge, key, documents(40, 1));
  progress("12 documents, profile l4");
  const l4 = await runJob(l4Edge, key, documents(12, 2));

  progress(
    "re-index with 10% of the text rewritten (l4): first index, then the edit",
  );
  const firstIndex = await runJob(l4Edge, key, documents(12, 3));
  const rewrite = { from: 18, to: 18 + PARAGRAPHS / 10 };
  const reindex = await runJob(l4Edge, key, documents(12, 3, rewrite));

  progress(
    "interactive latency on l4: idle, then during 30-document jobs (another instance, then the job's own)",
  );
  const during = async (interactiveUrl: string, seed: number) => {
    let running = true;
    let latencies: number[] = [];
    const job = await runJob(l4Edge, key, documents(30, seed), async () => {
      await new Promise((r) => setTimeout(r, 500)); // let the job reach the GPU
      latencies = await interactiveLatency(
        interactiveUrl,
        key,
        seed * 1000 + 2,
        () => running,
        400,
      );
    }).finally(() => (running = false));
    return { job, latencies };
  };
  const idle = await interactiveLatency(
    l4Interactive,
    key,
    8_000_001,
    () => true,
    60,
  );
  const big = await during(l4Interactive, 4);
  const sameIsolate = await during(l4Edge, 5);

  const row = (name: string, r: Awaited<ReturnType<typeof runJob>>) =>
    `${name.padEnd(34)} ${String(r.job.counts.documents).padStart(5)} ${String(r.job.counts.chunks).padStart(7)} ${String(r.job.counts.chunks_computed).padStart(9)} ${r.seconds.toFixed(2).padStart(8)} ${r.chunksPerSecond.toFixed(1).padStart(9)}`;
  console.log(
    `\n## Indexing jobs (800/400-token chunks, ${PARAGRAPHS} paragraphs of ~4 sentences per document)\n`,
  );
  console.log(
    `${"case".padEnd(34)} ${"docs".padStart(5)} ${"chunks".padStart(7)} ${"computed".padStart(9)} ${"seconds".padStart(8)} ${"chunks/s".padStart(9)}`,
  );
  console.log(row("profile none", none));
  console.log(row("profile l4", l4));
  console.log(row("l4, first index", firstIndex));
  console.log(row("l4, re-index, 10% of text rewritten", reindex));
  const computedShare =
    reindex.job.counts.chunks_computed / reindex.job.counts.chunks;
  console.log(
    `\nre-index: ${reindex.job.counts.chunks_computed} of ${reindex.job.counts.chunks} chunks computed (${(computedShare * 100).toFixed(1)}%), ` +
      `${reindex.job.counts.chunks_from_cache} from the cache; time ${(reindex.seconds / firstIndex.seconds).toFixed(2)}x the first indexing`,
  );
  const stats = (xs: number[]) =>
    `p50 ${percentile(xs, 50).toFixed(1)} ms, p99 ${percentile(xs, 99).toFixed(1)} ms (n ${xs.length})`;
  console.log(
    `interactive /v1/embeddings on l4 (1 uncached input, another edge instance): idle ${stats(idle)}`,
  );
  console.log(
    `  during a ${big.job.job.counts.chunks}-chunk job: ${stats(big.latencies)}; ${(percentile(big.latencies, 50) / percentile(idle, 50)).toFixed(2)}x idle p50`,
  );
  console.log(
    `  through the job's own instance (one JS thread for consumer and requests): ${stats(sameIsolate.latencies)}; ` +
      `${(percentile(sameIsolate.latencies, 50) / percentile(idle, 50)).toFixed(2)}x idle p50`,
  );
  const ratio = percentile(big.latencies, 50) / percentile(idle, 50);
  console.log(
    `\ngoal: interactive p50 during a job <= 2 x idle: ${ratio.toFixed(2)}x ${ratio <= 2 ? "MET" : "NOT MET"}`,
  );
}
