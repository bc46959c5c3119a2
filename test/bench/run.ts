/**
 * `npm run bench`: every benchmark section in one run, on one stack, so the ratios
 * compare numbers measured side by side on the same machine state.
 */
import { startBenchStack } from "./bench-stack";
import { runEdgeBench } from "./edge-bench";
import { runCacheBench } from "./cache-bench";
import { runLimitsBench } from "./limits-bench";
import { runIndexingBench } from "./indexing-bench";
import { runOvershootBench } from "./overshoot-bench";
import { runBigBatchBench } from "./big-batch-bench";
import { runHotPathBench } from "./hotpath-bench";
import { runCommandsBench } from "./commands-bench";
import { runBatchBench } from "./batch-bench";

const stack = await startBenchStack();
try {
  console.log(
    `benchmark stack: edge ${stack.edgeUrl}, floor ${stack.floorUrl}, stand-in ${stack.standinUrl} (NOT Qwen3: feature-hashing stand-in)`,
  );
  const sections = (
    process.env.BENCH ??
    "edge,cache,limits,hotpath,commands,indexing,batch,big-batch,overshoot"
  ).split(",");
  if (sections.includes("edge")) await runEdgeBench(stack);
  if (sections.includes("cache")) await runCacheBench(stack);
  if (sections.includes("limits")) await runLimitsBench(stack);
  if (sections.includes("hotpath")) await runHotPathBench(stack);
  if (sections.includes("indexing")) await runIndexingBench(stack);
  if (sections.includes("batch")) await runBatchBench(stack);
  if (sections.includes("commands")) await runCommandsBench(stack);
  if (sections.includes("big-batch")) await runBigBatchBench(stack);
  if (sections.includes("overshoot")) await runOvershootBench(stack);
} finally {
  await stack.close();
}
