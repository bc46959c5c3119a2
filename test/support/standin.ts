// The CPU stand-in, in-process over real HTTP, for tests that need a GPU worker. Its
// engine personality is SGLang unless the test asks for another, or STANDIN_ENGINE
// (sglang | vllm | tei | llamacpp) names one for the whole run: `STANDIN_ENGINE=vllm npx
// vitest run test/integration/embeddings.test.ts` replays a suite against vLLM's protocol.
import {
  startStandin as start,
  type Standin,
  type StandinOptions,
} from "../../gpu-worker/standin/server";

export type { Standin } from "../../gpu-worker/standin/server";

/** Starts a stand-in; `options.engine` wins over STANDIN_ENGINE. */
export function startStandin(options: StandinOptions = {}): Promise<Standin> {
  const engine = process.env.STANDIN_ENGINE as
    StandinOptions["engine"] | undefined;
  return start({ ...(engine ? { engine } : {}), ...options });
}
