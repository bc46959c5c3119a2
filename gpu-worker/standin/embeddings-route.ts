/**
 * The embeddings route(s) of the personified engine: the steps one call goes through, in
 * the order a real worker would take them, with the stand-in's fault and latency hooks
 * between them: parse and validate → record in stats → injected delay → injected error →
 * injected failing input → tokenise and check length → wait for the GPU queue → embed →
 * malform → render. What each step says on the wire is the personality's (personalities/).
 */
import { qwen3TokenCount } from "../../workers/tokenizer/qwen3-tokens";
import type { StandinConfig } from "./config";
import { embedText } from "./embedder";
import type { FaultInjector } from "./faults";
import {
  type ForwardQueue,
  forwardMs,
  type LatencyProfile,
  sleepAtLeast,
} from "./latency";
import type {
  EngineError,
  ParsedEmbedding,
  Personality,
} from "./personalities/personality";
import type { StatsRecorder } from "./stats";
import { textOfTokenIds } from "./token-text";

export type { Reply } from "./personalities/personality";
import type { Reply } from "./personalities/personality";

export interface EmbeddingsDeps {
  config: StandinConfig;
  faults: FaultInjector;
  stats: StatsRecorder;
  queue: ForwardQueue;
  profile: LatencyProfile;
  personality: Personality;
}

/** Token counts as the engine counts them: a text's tokens, plus end-of-text if it appends one. */
async function tokenCountsOf(
  request: ParsedEmbedding,
  personality: Personality,
): Promise<number[]> {
  if (request.kind === "tokens")
    return request.inputs.map((ids) => (ids as number[]).length);
  const withoutEnd = personality.textAppendsEndOfText ? 0 : 1;
  const counts = request.inputs.map((text) => qwen3TokenCount(text as string));
  return (await Promise.all(counts)).map((n) => n - withoutEnd);
}

// The real model pools on the end-of-text token; without it the vector differs, so a
// client that forgets to append it (or an engine that does not) is caught by tests.
const NO_END_OF_TEXT = { extraFeature: "no end-of-text token" } as const;

async function vectorsOf(
  request: ParsedEmbedding,
  personality: Personality,
): Promise<Float32Array[]> {
  if (request.kind === "text") {
    const options = personality.textAppendsEndOfText ? {} : NO_END_OF_TEXT;
    return request.inputs.map((text) => embedText(text as string, options));
  }
  return Promise.all(
    request.inputs.map(async (ids) => {
      const { text, endsWithEndOfText } = await textOfTokenIds(ids as number[]);
      return embedText(text, endsWithEndOfText ? {} : NO_END_OF_TEXT);
    }),
  );
}

export async function handleEmbeddings(
  deps: EmbeddingsDeps,
  bodyText: string,
  lane: string | null,
  path: string,
): Promise<Reply> {
  const { personality } = deps;
  const errorReply = (error: EngineError): Reply => ({
    status: error.status,
    body: personality.errorBody(error, path),
  });
  const parsed = personality.parse(bodyText, path);
  if (!parsed.ok) return errorReply(parsed.error);
  const request = parsed.request;
  deps.stats.recordInputs(request.inputs, lane);

  await sleepAtLeast(deps.faults.settings.delayMs);
  const injected =
    deps.faults.injectedError() ??
    deps.faults.failingInputError(request.inputs);
  if (injected) {
    return {
      ...errorReply(injected),
      headers:
        injected.retryAfterS === null
          ? {}
          : { "retry-after": String(injected.retryAfterS) },
    };
  }

  const tokenCounts = await tokenCountsOf(request, personality);
  for (const tokens of tokenCounts) {
    const refused = personality.inputError(tokens, deps.config);
    if (refused) return errorReply(refused);
  }
  const promptTokens = tokenCounts.reduce((a, b) => a + b, 0);
  deps.stats.recordTokens(promptTokens);

  await sleepAtLeast(deps.profile.perCallOverheadMs);
  await deps.queue.run(forwardMs(tokenCounts, deps.profile));

  const vectors = (await vectorsOf(request, personality)).map((v) =>
    deps.faults.malform(v),
  );
  const out = {
    vectors,
    promptTokens,
    format: request.encodingFormat,
    config: deps.config,
  };
  return personality.render(out, path);
}
