/**
 * CLI for the stand-in: `npm run gpu-standin -- --port 30000 --profile l4 --engine vllm`.
 * Reads flags and STANDIN_* environment variables (see README.md), prints where it
 * listens and that its vectors are not Qwen3's, and stops cleanly on SIGINT/SIGTERM.
 */
import { optionsFromArgsAndEnv, usage } from "./config";
import { STANDIN_BANNER, startStandin } from "./server";

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  if (argv.includes("--help") || argv.includes("-h")) {
    console.log(usage());
    return;
  }
  const standin = await startStandin(optionsFromArgsAndEnv(argv, process.env));
  const { engine, profile, contextLength, modelPath, apiKey, faults } =
    standin.config;
  console.log(`stand-in listening on ${standin.url}`);
  console.log(STANDIN_BANNER);
  console.log(
    `engine ${engine}, model ${modelPath}, context length ${contextLength}, latency profile ${profile}, ` +
      `auth ${apiKey === null ? "off" : "on"}, faults ${JSON.stringify(faults)}`,
  );
  let stopping = false;
  const stop = (signal: string): void => {
    if (stopping) return;
    stopping = true;
    console.log(`stand-in: ${signal}, stopping`);
    standin.close().then(
      () => process.exit(0),
      (error: unknown) => {
        console.error("stand-in: error while stopping:", error);
        process.exit(1);
      },
    );
  };
  process.on("SIGINT", () => stop("SIGINT"));
  process.on("SIGTERM", () => stop("SIGTERM"));
}

main().catch((error: unknown) => {
  console.error(
    `stand-in: ${error instanceof Error ? error.message : String(error)}`,
  );
  process.exit(2);
});
