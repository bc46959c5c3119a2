/** The stand-in's personality for each `--engine` value (personality.ts says what one is). */
import { llamacppPersonality } from "./llamacpp";
import type { EnginePersonality, Personality } from "./personality";
import { sglangPersonality } from "./sglang";
import { teiPersonality } from "./tei";
import { vllmPersonality } from "./vllm";

const PERSONALITIES: Readonly<Record<EnginePersonality, Personality>> = {
  sglang: sglangPersonality,
  vllm: vllmPersonality,
  tei: teiPersonality,
  llamacpp: llamacppPersonality,
};

export function personalityFor(engine: EnginePersonality): Personality {
  return PERSONALITIES[engine];
}
