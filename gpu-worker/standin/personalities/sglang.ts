/**
 * SGLang, the stand-in's original protocol: everything lives in ../protocol.ts, with its
 * sources (sgl-project/sglang serving_embedding.py at 012bcb5f, tokenizer_manager.py at
 * 001067ff). Texts get end-of-text from the tokenizer; ids are used as sent.
 */
import {
  contextLengthError,
  embeddingResponseBody,
  errorBody,
  modelInfoBody,
  modelListBody,
  parseEmbeddingRequest,
} from "../protocol";
import type { Personality } from "./personality";

const empty = () => ({ status: 200, body: "" });

export const sglangPersonality: Personality = {
  name: "sglang",
  embedPaths: ["/v1/embeddings"],
  getRoutes: {
    "/health": empty,
    "/health_generate": empty,
    "/v1/models": (c) => ({ status: 200, body: modelListBody(c) }),
    "/get_model_info": (c) => ({ status: 200, body: modelInfoBody(c) }),
  },
  // SGLang's --api-key middleware exempts /health* so load balancers can probe.
  isPublic: (path) => path === "/health" || path === "/health_generate",
  unauthorized: {
    status: 401,
    body: JSON.stringify({ error: "Unauthorized" }),
  },
  parse(bodyText) {
    const parsed = parseEmbeddingRequest(bodyText);
    return parsed.ok ? { ok: true, request: parsed.request } : parsed;
  },
  textAppendsEndOfText: true,
  inputError: (tokens, config) =>
    contextLengthError(tokens, config.contextLength),
  render: ({ vectors, promptTokens, format, config }) => ({
    status: 200,
    body: embeddingResponseBody(
      vectors,
      config.modelPath,
      promptTokens,
      format,
    ),
  }),
  errorBody: (error) => errorBody(error),
};
