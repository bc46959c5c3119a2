/** The adapter for each engine name (engine-adapter.ts lists the names). */
import type { EngineAdapter, EngineName } from "./engine-adapter";
import { llamacppAdapter } from "./llamacpp";
import { sglangAdapter } from "./sglang";
import { teiAdapter, teiEmbedAdapter } from "./tei";
import { vllmAdapter } from "./vllm";

const ADAPTERS: Readonly<Record<EngineName, EngineAdapter>> = {
  sglang: sglangAdapter,
  vllm: vllmAdapter,
  tei: teiAdapter,
  "tei-embed": teiEmbedAdapter,
  llamacpp: llamacppAdapter,
};

export function adapterFor(engine: EngineName): EngineAdapter {
  return ADAPTERS[engine];
}
