/**
 * Issue 2's benchmark: the floor route, `/v1/embeddings` against the stand-in (profile
 * none) for 1/16/256 inputs x float/base64 x 256/2560 dims, and the same calls made
 * directly to the stand-in. Prints req/s, p50, p99 and the ratios the goals are
 * stated in. Every request carries fresh texts and `cache-control: no-cache, no-store`,
 * so this section measures the edge's GPU path alone; the cache's own costs and gains
 * (hits, and misses with their write-back) are the cache section's. It runs with
 * RATE_LIMITS=off (auth and metering on): the limiter's cost is the limits section's.
 */
import {
  formatTable,
  interleavedRatio,
  runLoad,
  type LoadResult,
} from "./load";
import type { BenchStack } from "./bench-stack";
import { sentences } from "./texts";

const CONCURRENCY = 4;
const requestsFor = (inputs: number) =>
  inputs === 1 ? 400 : inputs === 16 ? 150 : 30;

export async function runEdgeBench(stack: BenchStack): Promise<void> {
  const results: LoadResult[] = [];
  const floor = await runLoad(
    "floor: trivial Hono route",
    () => fetch(`${stack.floorUrl}/floor`),
    { requests: 2000, concurrency: CONCURRENCY },
  );
  results.push(floor);

  const byName = new Map<string, LoadResult>();
  let batch = 0;
  for (const inputs of [1, 16, 256]) {
    for (const format of ["float", "base64"] as const) {
      for (const dims of [256, 2560]) {
        const name = `edge ${inputs} in ${format} ${dims}d`;
        const r = await runLoad(
          name,
          () =>
            fetch(`${stack.edgeNoLimitsUrl}/v1/embeddings`, {
              method: "POST",
              headers: {
                authorization: `Bearer ${stack.apiKey}`,
                "content-type": "application/json",
                "cache-control": "no-cache, no-store",
              },
              body: JSON.stringify({
                model: "Qwen3-Embedding-4B",
                input: sentences(inputs, batch++),
                encoding_format: format,
                dimensions: dims,
              }),
            }),
          { requests: requestsFor(inputs), concurrency: CONCURRENCY },
        );
        results.push(r);
        byName.set(name, r);
      }
      const direct = await runLoad(
        `direct ${inputs} in ${format} 2560d`,
        () =>
          fetch(`${stack.standinUrl}/v1/embeddings`, {
            method: "POST",
            headers: { "content-type": "application/json" },
            body: JSON.stringify({
              model: "Qwen/Qwen3-Embedding-4B",
              input: sentences(inputs, batch++),
              encoding_format: format,
            }),
          }),
        { requests: requestsFor(inputs), concurrency: CONCURRENCY },
      );
      results.push(direct);
      byName.set(direct.name, direct);
    }
  }

  console.log(
    "\n## Edge GPU path (cache bypassed) vs floor vs direct stand-in (profile none, concurrency " +
      CONCURRENCY +
      ")\n",
  );
  console.log(formatTable(results));
  const ratio = (a: string, b: string) =>
    byName.get(a)!.reqPerSec / byName.get(b)!.reqPerSec;
  console.log("\nratios (throughput):");
  for (const inputs of [1, 16, 256]) {
    for (const format of ["float", "base64"]) {
      const edge = byName.get(`edge ${inputs} in ${format} 2560d`)!;
      console.log(
        `  ${inputs} in ${format} 2560d: edge/floor ${(edge.reqPerSec / floor.reqPerSec).toFixed(3)}, edge/direct ${ratio(`edge ${inputs} in ${format} 2560d`, `direct ${inputs} in ${format} 2560d`).toFixed(3)}`,
      );
    }
    for (const dims of [256, 2560]) {
      console.log(
        `  ${inputs} in ${dims}d: base64/float ${ratio(`edge ${inputs} in base64 ${dims}d`, `edge ${inputs} in float ${dims}d`).toFixed(2)}`,
      );
    }
  }
  const oneBase64 = () =>
    fetch(`${stack.edgeNoLimitsUrl}/v1/embeddings`, {
      method: "POST",
      headers: {
        authorization: `Bearer ${stack.apiKey}`,
        "content-type": "application/json",
        "cache-control": "no-cache, no-store",
      },
      body: JSON.stringify({
        model: "Qwen3-Embedding-4B",
        input: sentences(1, batch++),
        encoding_format: "base64",
      }),
    });
  const edgeVsFloor = await interleavedRatio(
    () =>
      runLoad("edge 1 in base64", oneBase64, {
        requests: 300,
        concurrency: CONCURRENCY,
      }),
    () =>
      runLoad("floor", () => fetch(`${stack.floorUrl}/floor`), {
        requests: 600,
        concurrency: CONCURRENCY,
      }),
    5,
  );
  const goal1 = edgeVsFloor.median;
  console.log(
    `\nedge (1 input, base64) / floor throughput in 5 alternating rounds: ${edgeVsFloor.ratios.map((r) => r.toFixed(3)).join(", ")}; median ${goal1.toFixed(3)}`,
  );
  const goal2 = ratio("edge 256 in base64 2560d", "edge 256 in float 2560d");
  console.log(
    `\ngoal: 1 input base64 >= 0.40 x floor throughput (median of alternating rounds): ${goal1.toFixed(3)} ${goal1 >= 0.4 ? "MET" : "NOT MET"}`,
  );
  console.log(
    `goal: 256 x 2560d base64 >= 3x float throughput: ${goal2.toFixed(2)}x ${goal2 >= 3 ? "MET" : "NOT MET"}`,
  );
}
