/**
 * Issue 10's "big batches" benchmark: does a 2,048-input miss batch hold another
 * tenant's small requests in the same isolate? One edge instance of its own (one
 * workerd isolate), the stand-in at profile `none`. One 1-input text is warmed into L1;
 * then, in alternating rounds: idle, 1-input L1 hits sent one after another (p50); loaded,
 * the same hits sent one after another for as long as a 2,048-input miss batch from
 * another tenant is in flight (p50). The figure is loaded p50 / idle p50, the median of
 * the rounds; goal at most 3x. Each round's batch has fresh texts, so every input is a
 * miss (GPU, write-back, render: the whole CPU path).
 */
import type { BenchStack } from "./bench-stack";
import { embedRequest } from "./cache-bench";
import { sentences } from "./texts";

const ROUNDS = 5;
const BATCH = 2048;
const IDLE_REQUESTS = 40;

async function hitLatency(
  url: string,
  apiKey: string,
  text: string,
): Promise<number> {
  const t0 = performance.now();
  const res = await embedRequest(url, apiKey, [text]);
  await res.arrayBuffer();
  const ms = performance.now() - t0;
  if (res.status !== 200 || res.headers.get("x-cache") !== "hits=1 misses=0") {
    throw new Error(
      `big-batch bench: small request answered ${res.status}, x-cache ${res.headers.get("x-cache")}`,
    );
  }
  return ms;
}

const median = (xs: number[]) =>
  [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

export async function runBigBatchBench(stack: BenchStack): Promise<void> {
  const url = await stack.startEdge({});
  const small = await stack.createTenant(url, "big-batch small requests");
  const big = await stack.createTenant(url, "big-batch batches");
  const [hot] = sentences(1, 7_000_000);
  await embedRequest(url, small.apiKey, [hot!]).then((r) => r.arrayBuffer());
  for (let i = 0; i < 20; i++) await hitLatency(url, small.apiKey, hot!);

  const rows: { idle: number; loaded: number; n: number; batchMs: number }[] =
    [];
  for (let round = 0; round < ROUNDS; round++) {
    const idle: number[] = [];
    for (let i = 0; i < IDLE_REQUESTS; i++)
      idle.push(await hitLatency(url, small.apiKey, hot!));

    const loaded: number[] = [];
    let done = false;
    const t0 = performance.now();
    const batch = embedRequest(
      url,
      big.apiKey,
      sentences(BATCH, 7_100_000 + round),
    ).then(async (res) => {
      await res.arrayBuffer();
      done = true;
      if (
        res.status !== 200 ||
        res.headers.get("x-cache") !== `hits=0 misses=${BATCH}`
      ) {
        throw new Error(
          `big-batch bench: batch answered ${res.status}, x-cache ${res.headers.get("x-cache")}`,
        );
      }
      return performance.now() - t0;
    });
    while (!done) loaded.push(await hitLatency(url, small.apiKey, hot!));
    const batchMs = await batch;
    rows.push({
      idle: median(idle),
      loaded: median(loaded),
      n: loaded.length,
      batchMs,
    });
  }

  console.log(
    `\n## Big batches: 1-input L1 hits beside a ${BATCH}-input miss batch from another tenant, same isolate (stand-in profile none)\n`,
  );
  console.log("round  idle p50 ms  loaded p50 ms  loaded n  ratio  batch ms");
  rows.forEach((r, i) =>
    console.log(
      `${String(i + 1).padStart(5)}  ${r.idle.toFixed(2).padStart(11)}  ${r.loaded.toFixed(2).padStart(13)}  ${String(r.n).padStart(8)}  ${(r.loaded / r.idle).toFixed(2).padStart(5)}  ${r.batchMs.toFixed(0).padStart(8)}`,
    ),
  );
  const ratio = median(rows.map((r) => r.loaded / r.idle));
  console.log(
    `\ngoal: loaded p50 <= 3x idle p50 (median of ${ROUNDS} alternating rounds): ${ratio.toFixed(2)}x ${ratio <= 3 ? "MET" : "NOT MET"}`,
  );
}
