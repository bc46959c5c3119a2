/**
 * `npm run bench`: every benchmark section in one run, on one stack, so the ratios
 * compare numbers measured side by side on the same machine state.
 */
import { startBenchStack } from "./bench-stack";
import { runEdgeBench } from "./edge-bench";
import { runCacheBench } from "./cache-bench";
import { runLimitsBench } from "./limits-bench";
import { runIndexingBench } from "./indexing-bench";
import { runBatchBench } from "./batch-bench";

const stack = await startBenchStack();
try {
  console.log(`benchmark stack: edge ${stack.edgeUrl}, floor ${stack.floorUrl}, stand-in ${stack.standinUrl} (NOT Qwen3: feature-hashing stand-in)`);
  const sections = (process.env.BENCH ?? "edge,cache,limits,indexing,batch").split(",");
  if (sections.includes("edge")) await runEdgeBench(stack);
  if (sections.includes("cache")) await runCacheBench(stack);
  if (sections.includes("limits")) await runLimitsBench(stack);
  if (sections.includes("indexing")) await runIndexingBench(stack);
  if (sections.includes("batch")) await runBatchBench(stack);
} finally {
  await stack.close();
}
