/**
 * The Batch API's benchmark (`BENCH=batch`): (1) batch throughput, requests/s and
 * tokens/s from upload to `completed`, with the stand-in at profile `none` and `l4`;
 * (2) interactive `/v1/embeddings` p50 (1 uncached input, another edge instance on the
 * same stand-in, as in production where queue consumers and HTTP requests run in
 * different isolates) while a 10,000-request batch runs on `l4`, beside idle p50
 * measured before and after it. Default batch settings: 100 lines per message, the
 * bulk lane at its defaults (calls of <= 1024 tokens, 75% of the GPU's time).
 */
import type { BenchStack } from "./bench-stack";
import { interactiveLatency, percentile } from "./load";
import { sentences } from "./texts";

interface Batch {
  id: string;
  status: string;
  output_file_id: string | null;
  request_counts: { total: number; completed: number; failed: number };
}

const MODEL = "Qwen3-Embedding-4B";

async function runBatch(
  url: string,
  apiKey: string,
  count: number,
  seed: number,
) {
  const auth = { authorization: `Bearer ${apiKey}` };
  const lines = sentences(count, seed).map((input, i) =>
    JSON.stringify({
      custom_id: `r-${i}`,
      method: "POST",
      url: "/v1/embeddings",
      body: { model: MODEL, input, encoding_format: "base64" },
    }),
  );
  const form = new FormData();
  form.set("purpose", "batch");
  form.set("file", new Blob([`${lines.join("\n")}\n`]), "bench.jsonl");
  const t0 = performance.now();
  const uploaded = await fetch(`${url}/v1/files`, {
    method: "POST",
    headers: auth,
    body: form,
  });
  if (uploaded.status !== 200)
    throw new Error(
      `bench: upload ${uploaded.status} ${await uploaded.text()}`,
    );
  const file = (await uploaded.json()) as { id: string };
  const created = await fetch(`${url}/v1/batches`, {
    method: "POST",
    headers: { ...auth, "content-type": "application/json" },
    body: JSON.stringify({
      input_file_id: file.id,
      endpoint: "/v1/embeddings",
      completion_window: "24h",
    }),
  });
  if (created.status !== 200)
    throw new Error(`bench: create ${created.status} ${await created.text()}`);
  const { id } = (await created.json()) as Batch;
  let batch: Batch;
  let lastReport = performance.now();
  for (;;) {
    batch = (await (
      await fetch(`${url}/v1/batches/${id}`, { headers: auth })
    ).json()) as Batch;
    if (["completed", "failed", "expired", "cancelled"].includes(batch.status))
      break;
    if (performance.now() - lastReport > 10_000) {
      lastReport = performance.now();
      console.log(
        `  ${id}: ${batch.status}, ${JSON.stringify(batch.request_counts)}`,
      );
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  const seconds = (performance.now() - t0) / 1000;
  if (batch.status !== "completed" || batch.request_counts.failed > 0)
    throw new Error(`bench: batch ended ${JSON.stringify(batch)}`);
  const output = await (
    await fetch(`${url}/v1/files/${batch.output_file_id}/content`, {
      headers: auth,
    })
  ).text();
  const tokens = output
    .trimEnd()
    .split("\n")
    .reduce(
      (sum, line) =>
        sum +
        (
          JSON.parse(line) as {
            response: { body: { usage: { prompt_tokens: number } } };
          }
        ).response.body.usage.prompt_tokens,
      0,
    );
  return { requests: count, tokens, seconds };
}

export async function runBatchBench(stack: BenchStack): Promise<void> {
  const l4Standin = await stack.startStandin("l4");
  const noneEdge = await stack.startEdge({});
  const l4Edge = await stack.startEdge({ GPU_WORKER_URLS: l4Standin });
  const l4Interactive = await stack.startEdge({ GPU_WORKER_URLS: l4Standin });
  const key = stack.apiKey;
  const progress = (step: string) => console.log(`batch bench: ${step}`);

  progress("5,000 requests, profile none");
  const none = await runBatch(noneEdge, key, 5_000, 11);
  progress("5,000 requests, profile l4");
  const l4 = await runBatch(l4Edge, key, 5_000, 12);

  progress(
    "interactive latency on l4: idle, during a 10,000-request batch, idle again",
  );
  const idleBefore = await interactiveLatency(
    l4Interactive,
    key,
    9_000_001,
    () => true,
    40,
  );
  let running = true;
  let during: number[] = [];
  const big = await Promise.all([
    runBatch(l4Edge, key, 10_000, 13).finally(() => (running = false)),
    (async () => {
      await new Promise((r) => setTimeout(r, 1_000)); // let the batch reach the GPU
      during = await interactiveLatency(
        l4Interactive,
        key,
        9_000_002,
        () => running,
        600,
      );
    })(),
  ]).then(([result]) => result);
  const idleAfter = await interactiveLatency(
    l4Interactive,
    key,
    9_000_003,
    () => true,
    40,
  );
  const idle = [...idleBefore, ...idleAfter];

  const row = (name: string, r: Awaited<ReturnType<typeof runBatch>>) =>
    `${name.padEnd(26)} ${String(r.requests).padStart(8)} ${String(r.tokens).padStart(8)} ${r.seconds.toFixed(2).padStart(8)} ${(r.requests / r.seconds).toFixed(1).padStart(11)} ${(r.tokens / r.seconds).toFixed(0).padStart(9)}`;
  console.log(
    "\n## Batch API (1 sentence per request, ~21 tokens; upload to completed)\n",
  );
  console.log(
    `${"case".padEnd(26)} ${"requests".padStart(8)} ${"tokens".padStart(8)} ${"seconds".padStart(8)} ${"requests/s".padStart(11)} ${"tokens/s".padStart(9)}`,
  );
  console.log(row("profile none", none));
  console.log(row("profile l4", l4));
  console.log(row("profile l4, 10,000 requests", big));
  const stats = (xs: number[]) =>
    `p50 ${percentile(xs, 50).toFixed(1)} ms, p99 ${percentile(xs, 99).toFixed(1)} ms (n ${xs.length})`;
  console.log(
    `\ninteractive /v1/embeddings on l4 (1 uncached input, another edge instance): idle (before and after) ${stats(idle)}`,
  );
  const ratio = percentile(during, 50) / percentile(idle, 50);
  console.log(
    `  during the 10,000-request batch: ${stats(during)}; ${ratio.toFixed(2)}x idle p50`,
  );
  console.log(
    `\ngoal: interactive p50 during a batch <= 2 x idle: ${ratio.toFixed(2)}x ${ratio <= 2 ? "MET" : "NOT MET"}`,
  );
}
