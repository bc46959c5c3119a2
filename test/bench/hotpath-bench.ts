/**
 * The hot path's benchmark (issue 11): an L1 cache hit with auth, limits and metering on,
 * measured side by side in alternating rounds (median of the rounds is the figure):
 * - its p50 with 80 ms between the edge and Redis (a delay proxy in front of the same
 *   bridge) against its p50 at 0 ms: the hot path must not wait on the global store;
 * - 1 input: throughput against the floor route and against the Portkey gateway 1.9.8
 *   passing the same request to the same stand-in (a hit needs one HTTP hop, a
 *   pass-through two);
 * - 64 inputs: throughput against the floor route (the per-vector cost of a hit).
 */
import {
  formatTable,
  interleavedRatio,
  runLoad,
  type LoadResult,
} from "./load";
import type { BenchStack } from "./bench-stack";
import { embedRequest } from "./cache-bench";
import { startDelayProxy } from "./delay-proxy";
import { startPortkeyPeer } from "./portkey-peer";
import { sentences } from "./texts";

const CONCURRENCY = 4;
const ROUNDS = 5;
const REDIS_DELAY_MS = 80;

async function expectHits(
  url: string,
  apiKey: string,
  input: string[],
): Promise<void> {
  for (let i = 0; i < 2; i++) {
    const res = await embedRequest(url, apiKey, input);
    await res.arrayBuffer();
    if (res.status !== 200)
      throw new Error(`bench setup: ${url} answered ${res.status}`);
  }
  const res = await embedRequest(url, apiKey, input);
  await res.arrayBuffer();
  const got = res.headers.get("x-cache");
  if (got !== `hits=${input.length} misses=0`)
    throw new Error(`bench precondition: x-cache ${got} at ${url}`);
}

const median = (xs: number[]) =>
  [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

export async function runHotPathBench(stack: BenchStack): Promise<void> {
  const proxy = await startDelayProxy(stack.upstash.url, REDIS_DELAY_MS);
  const portkey = await startPortkeyPeer(stack.standinUrl);
  try {
    const farEdge = await stack.startEdge({
      UPSTASH_REDIS_REST_URL: proxy.url,
    });
    const one = sentences(1, 11_000_000);
    const many = sentences(64, 11_000_001);
    await expectHits(stack.edgeUrl, stack.apiKey, one);
    await expectHits(stack.edgeUrl, stack.apiKey, many);
    await expectHits(farEdge, stack.apiKey, one);
    const portkeyCheck = await portkey.embed(one);
    const portkeyBody = (await portkeyCheck.json()) as {
      data?: { embedding: string }[];
    };
    if (portkeyCheck.status !== 200 || portkeyBody.data?.length !== 1) {
      throw new Error(`bench setup: Portkey answered ${portkeyCheck.status}`);
    }

    const hit = (url: string, input: string[], requests: number) => () =>
      runLoad(
        `L1 hit ${input.length} in`,
        () => embedRequest(url, stack.apiKey, input),
        { requests, concurrency: CONCURRENCY },
      );
    const floor = (requests: number) => () =>
      runLoad("floor", () => fetch(`${stack.floorUrl}/floor`), {
        requests,
        concurrency: CONCURRENCY,
      });

    // (a) 0 ms vs 80 ms to Redis, p50 per round.
    const near: LoadResult[] = [];
    const far: LoadResult[] = [];
    for (let i = 0; i < ROUNDS; i++) {
      near.push({
        ...(await hit(stack.edgeUrl, one, 400)()),
        name: "L1 hit 1 in, Redis 0 ms away",
      });
      far.push({
        ...(await hit(farEdge, one, 400)()),
        name: `L1 hit 1 in, Redis ${REDIS_DELAY_MS} ms away`,
      });
    }
    const p50Deltas = near.map((n, i) => far[i]!.p50 - n.p50);
    const p50Delta = median(p50Deltas);

    // (b) 1 input vs floor and vs Portkey; (c) 64 inputs vs floor.
    const vsFloor = await interleavedRatio(
      hit(stack.edgeUrl, one, 600),
      floor(600),
      ROUNDS,
    );
    const portkeyLoad = () =>
      runLoad("Portkey 1.9.8 pass-through, 1 in", () => portkey.embed(one), {
        requests: 400,
        concurrency: CONCURRENCY,
      });
    const vsPortkey = await interleavedRatio(
      hit(stack.edgeUrl, one, 400),
      portkeyLoad,
      ROUNDS,
    );
    const manyVsFloor = await interleavedRatio(
      hit(stack.edgeUrl, many, 150),
      floor(600),
      ROUNDS,
    );

    console.log(
      `\n## Hot path: L1 hit with auth, limits and metering on (2560 d, base64, concurrency ${CONCURRENCY}, ${ROUNDS} alternating rounds)\n`,
    );
    console.log(
      formatTable([
        near.at(-1)!,
        far.at(-1)!,
        await hit(stack.edgeUrl, many, 150)(),
        await portkeyLoad(),
        await floor(1000)(),
      ]),
    );
    const show = (r: { ratios: number[] }) =>
      r.ratios.map((x) => x.toFixed(3)).join(", ");
    console.log(
      `\n(a) p50 at ${REDIS_DELAY_MS} ms minus p50 at 0 ms per round (ms): ${p50Deltas.map((d) => d.toFixed(2)).join(", ")}; median ${p50Delta.toFixed(2)}`,
    );
    console.log(
      `(b) L1 hit 1 in / floor per round: ${show(vsFloor)}; median ${vsFloor.median.toFixed(3)}`,
    );
    console.log(
      `(c) L1 hit 1 in / Portkey 1.9.8 pass-through per round: ${show(vsPortkey)}; median ${vsPortkey.median.toFixed(3)}`,
    );
    console.log(
      `(d) L1 hit 64 in / floor per round: ${show(manyVsFloor)}; median ${manyVsFloor.median.toFixed(3)}`,
    );
    const verdict = (ok: boolean) => (ok ? "MET" : "NOT MET");
    console.log(
      `\ngoal: L1-hit p50 with Redis ${REDIS_DELAY_MS} ms away within 2 ms of 0 ms: ${p50Delta.toFixed(2)} ms ${verdict(p50Delta <= 2)}`,
    );
    console.log(
      `goal: L1 hit 1 in >= 0.75 x floor: ${vsFloor.median.toFixed(3)} ${verdict(vsFloor.median >= 0.75)}`,
    );
    console.log(
      `goal: L1 hit 1 in >= 1.5 x Portkey 1.9.8: ${vsPortkey.median.toFixed(3)} ${verdict(vsPortkey.median >= 1.5)}`,
    );
    console.log(
      `goal: L1 hit 64 in >= 0.15 x floor: ${manyVsFloor.median.toFixed(3)} ${verdict(manyVsFloor.median >= 0.15)}`,
    );
  } finally {
    await portkey.child.stop();
    await proxy.close();
  }
}
