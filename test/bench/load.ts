/**
 * A closed-loop load generator: `concurrency` clients each send their next request as
 * soon as the last one answered, for `requests` requests in all. Reports throughput and
 * latency percentiles; a request that does not answer 2xx aborts the run, since a
 * benchmark over errors measures nothing.
 */
import { sentences } from "./texts";

export interface LoadResult {
  name: string;
  requests: number;
  reqPerSec: number;
  p50: number;
  p99: number;
}

export async function runLoad(
  name: string,
  send: (i: number) => Promise<Response>,
  options: { requests: number; concurrency: number; warmup?: number },
): Promise<LoadResult> {
  for (let i = 0; i < (options.warmup ?? Math.min(20, options.requests)); i++)
    await check(await send(-1 - i), name);
  const latencies: number[] = [];
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: options.concurrency }, async () => {
      while (next < options.requests) {
        const i = next++;
        const t0 = performance.now();
        await check(await send(i), name);
        latencies.push(performance.now() - t0);
      }
    }),
  );
  const elapsed = (performance.now() - started) / 1000;
  latencies.sort((a, b) => a - b);
  const pct = (p: number) =>
    latencies[
      Math.min(latencies.length - 1, Math.floor((p / 100) * latencies.length))
    ]!;
  return {
    name,
    requests: latencies.length,
    reqPerSec: latencies.length / elapsed,
    p50: pct(50),
    p99: pct(99),
  };
}

async function check(res: Response, name: string): Promise<void> {
  const body = await res.arrayBuffer();
  if (!res.ok)
    throw new Error(
      `${name}: HTTP ${res.status} ${new TextDecoder().decode(body).slice(0, 300)}`,
    );
}

export function formatTable(results: LoadResult[]): string {
  const rows = results.map((r) => [
    r.name,
    r.reqPerSec.toFixed(1),
    r.p50.toFixed(2),
    r.p99.toFixed(2),
    String(r.requests),
  ]);
  const header = ["case", "req/s", "p50 ms", "p99 ms", "n"];
  const widths = header.map((h, i) =>
    Math.max(h.length, ...rows.map((r) => r[i]!.length)),
  );
  const line = (cells: string[]) =>
    cells
      .map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!)))
      .join("  ");
  return [line(header), ...rows.map(line)].join("\n");
}

/**
 * Throughput of `a` over `b`, measured in alternating rounds (a, b, a, b, ...) so that a
 * drift in machine state hits both alike; the median of the per-round ratios is the
 * figure, and every round is returned so the spread is visible.
 */
export async function interleavedRatio(
  a: () => Promise<LoadResult>,
  b: () => Promise<LoadResult>,
  rounds: number,
): Promise<{ median: number; ratios: number[] }> {
  const ratios: number[] = [];
  for (let i = 0; i < rounds; i++) {
    const ra = await a();
    const rb = await b();
    ratios.push(ra.reqPerSec / rb.reqPerSec);
  }
  const sorted = [...ratios].sort((x, y) => x - y);
  return { median: sorted[Math.floor(sorted.length / 2)]!, ratios };
}

/**
 * Sequential 1-input `/v1/embeddings` requests (fresh texts from `seed`, base64) while
 * `keepGoing()` holds, at most `max`: their latencies in ms. Used to measure interactive
 * traffic beside a job or a batch; a non-200 aborts the run.
 */
export async function interactiveLatency(
  url: string,
  apiKey: string,
  seed: number,
  keepGoing: () => boolean,
  max: number,
): Promise<number[]> {
  const latencies: number[] = [];
  const inputs = sentences(max, seed);
  for (let i = 0; i < max && keepGoing(); i++) {
    const t0 = performance.now();
    const res = await fetch(`${url}/v1/embeddings`, {
      method: "POST",
      headers: {
        authorization: `Bearer ${apiKey}`,
        "content-type": "application/json",
      },
      body: JSON.stringify({
        model: "Qwen3-Embedding-4B",
        input: inputs[i],
        encoding_format: "base64",
      }),
    });
    await res.arrayBuffer();
    if (res.status !== 200) throw new Error(`bench: interactive ${res.status}`);
    latencies.push(performance.now() - t0);
  }
  return latencies;
}

/** The p-th percentile (0-100) of `values`, nearest rank. */
export const percentile = (values: number[], p: number): number => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[
    Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))
  ]!;
};
