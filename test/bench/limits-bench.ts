/**
 * Issue 4's benchmark: auth plus rate limiting on (a) an L1 cache hit and (b) an L3
 * cache hit, each with limits on and off (RATE_LIMITS=off), 1 input x 2560 dims base64.
 * Auth and metering run in both; only the limiters differ. p50s are compared over
 * alternating rounds (on, off, on, off, ...) and the median ratio is the figure.
 */
import { formatTable, runLoad, type LoadResult } from "./load";
import type { BenchStack } from "./bench-stack";
import { embedRequest } from "./cache-bench";
import { sentences } from "./texts";

const CONCURRENCY = 4;
const ROUNDS = 5;
const REQUESTS = 400;

async function p50Rounds(
  on: () => Promise<LoadResult>,
  off: () => Promise<LoadResult>,
) {
  const ratios: number[] = [];
  const results: LoadResult[] = [];
  for (let i = 0; i < ROUNDS; i++) {
    const a = await on();
    const b = await off();
    results.push(a, b);
    ratios.push(a.p50 / b.p50);
  }
  const median = [...ratios].sort((x, y) => x - y)[
    Math.floor(ratios.length / 2)
  ]!;
  return { ratios, median, results };
}

export async function runLimitsBench(stack: BenchStack): Promise<void> {
  const text = sentences(1, 7_000_000);
  const warm = async (url: string) => {
    const res = await embedRequest(url, stack.apiKey, text);
    await res.arrayBuffer();
    if (res.status !== 200) throw new Error(`bench setup: ${res.status}`);
  };
  await warm(stack.edgeUrl); // computes and writes every tier
  for (let i = 0; i < 50; i++) await new Promise((r) => setTimeout(r, 20)); // let the L3 write land
  for (const url of [
    stack.edgeUrl,
    stack.edgeNoLimitsUrl,
    stack.l3OnlyUrl,
    stack.l3OnlyNoLimitsUrl,
  ])
    await warm(url);

  const load = (name: string, url: string) => () =>
    runLoad(name, () => embedRequest(url, stack.apiKey, text), {
      requests: REQUESTS,
      concurrency: CONCURRENCY,
    });
  const l1 = await p50Rounds(
    load("L1 hit, limits on", stack.edgeUrl),
    load("L1 hit, limits off", stack.edgeNoLimitsUrl),
  );
  const l3 = await p50Rounds(
    load("L3 hit, limits on", stack.l3OnlyUrl),
    load("L3 hit, limits off", stack.l3OnlyNoLimitsUrl),
  );

  console.log(
    `\n## Auth + rate limits (1 input, 2560 d, base64, concurrency ${CONCURRENCY}, ${ROUNDS} alternating rounds)\n`,
  );
  console.log(formatTable([...l1.results.slice(-2), ...l3.results.slice(-2)]));
  console.log(
    `\n(a) L1 hit p50 limits on / off per round: ${l1.ratios.map((r) => r.toFixed(2)).join(", ")}; median ${l1.median.toFixed(2)}`,
  );
  console.log(
    `(b) L3 hit p50 limits on / off per round: ${l3.ratios.map((r) => r.toFixed(2)).join(", ")}; median ${l3.median.toFixed(2)}`,
  );
  console.log(
    `\ngoal: (b) L3 hit p50 with limits <= 1.5 x without: ${l3.median.toFixed(2)}x ${l3.median <= 1.5 ? "MET" : "NOT MET"}`,
  );
}
