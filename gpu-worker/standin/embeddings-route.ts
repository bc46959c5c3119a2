/**
 * POST /v1/embeddings: the steps one call goes through, in the order a real worker
 * would take them, with the stand-in's fault and latency hooks between them:
 * parse and validate → record in stats → injected delay → injected error → injected
 * failing input → tokenise and check context length → wait for the GPU queue → embed →
 * malform → render.
 */
import { qwen3TokenCount } from "../../workers/embeddings/qwen3-tokens";
import type { StandinConfig } from "./config";
import { embedText } from "./embedder";
import type { FaultInjector } from "./faults";
import { type ForwardQueue, forwardMs, type LatencyProfile, sleepAtLeast } from "./latency";
import {
  contextLengthError,
  type EmbeddingRequest,
  embeddingResponseBody,
  errorBody,
  parseEmbeddingRequest,
  type ProtocolError,
} from "./protocol";
import type { StatsRecorder } from "./stats";
import { textOfTokenIds } from "./token-text";

export interface Reply {
  status: number;
  body: string;
  headers?: Record<string, string>;
}

export interface EmbeddingsDeps {
  config: StandinConfig;
  faults: FaultInjector;
  stats: StatsRecorder;
  queue: ForwardQueue;
  profile: LatencyProfile;
}

const errorReply = (error: ProtocolError): Reply => ({ status: error.status, body: errorBody(error) });

async function tokenCountsOf(request: EmbeddingRequest): Promise<number[]> {
  if (request.kind === "tokens") return request.inputs.map((ids) => (ids as number[]).length);
  return Promise.all(request.inputs.map((text) => qwen3TokenCount(text as string)));
}

async function vectorsOf(request: EmbeddingRequest): Promise<Float32Array[]> {
  if (request.kind === "text") return request.inputs.map((text) => embedText(text as string));
  return Promise.all(
    request.inputs.map(async (ids) => {
      const { text, endsWithEndOfText } = await textOfTokenIds(ids as number[]);
      // The real model pools on the end-of-text token; without it the vector differs,
      // so a client that forgets to append it is caught by tests against the stand-in.
      return embedText(text, endsWithEndOfText ? {} : { extraFeature: "no end-of-text token" });
    }),
  );
}

export async function handleEmbeddings(
  deps: EmbeddingsDeps,
  bodyText: string,
  lane: string | null,
): Promise<Reply> {
  const parsed = parseEmbeddingRequest(bodyText);
  if (!parsed.ok) return errorReply(parsed.error);
  const request = parsed.request;
  deps.stats.recordInputs(request.inputs, lane);

  await sleepAtLeast(deps.faults.settings.delayMs);
  const injected = deps.faults.injectedError() ?? deps.faults.failingInputError(request.inputs);
  if (injected) {
    return {
      ...errorReply(injected),
      headers: injected.retryAfterS === null ? {} : { "retry-after": String(injected.retryAfterS) },
    };
  }

  const tokenCounts = await tokenCountsOf(request);
  for (const tokens of tokenCounts) {
    const tooLong = contextLengthError(tokens, deps.config.contextLength);
    if (tooLong) return errorReply(tooLong);
  }
  const promptTokens = tokenCounts.reduce((a, b) => a + b, 0);
  deps.stats.recordTokens(promptTokens);

  await sleepAtLeast(deps.profile.perCallOverheadMs);
  await deps.queue.run(forwardMs(tokenCounts, deps.profile));

  const vectors = (await vectorsOf(request)).map((v) => deps.faults.malform(v));
  return {
    status: 200,
    body: embeddingResponseBody(vectors, deps.config.modelPath, promptTokens, request.encodingFormat),
  };
}
