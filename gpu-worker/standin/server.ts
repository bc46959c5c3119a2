/**
 * The CPU stand-in GPU worker: a node:http server that speaks an engine's embeddings
 * protocol (SGLang by default; vLLM, TEI or llama.cpp with `engine`, see personalities/),
 * so the edge, the local stack and the tests run without a GPU. Its vectors are feature
 * hashing, NOT Qwen3-Embedding-4B: every response carries `x-standin: feature-hashing; not Qwen3-Embedding-4B`.
 *
 *   const standin = await startStandin({ contextLength: 64, profile: "l4" });
 *   await fetch(`${standin.url}/v1/embeddings`, …);
 *   await standin.close();
 *
 * Options (all optional; see config.ts):
 *   port              0 (default) = a free port; read it back from `port`/`url`
 *   host              "127.0.0.1"
 *   modelPath         "Qwen/Qwen3-Embedding-4B", echoed as `model` in responses
 *   servedModelName   id in /v1/models (default: modelPath)
 *   contextLength     32768; an input with this many tokens or more gets SGLang's 400
 *   apiKey            null; when set, every route but /health* needs
 *                     `Authorization: Bearer <key>` and answers 401 {"error":"Unauthorized"}
 *                     otherwise (SGLang's --api-key middleware, body included)
 *   profile           "none" (no delay) | "l4" (L4 running a 4B model; see latency.ts)
 *   maxTokensPerPass  8192 tokens per modelled forward pass
 *   faults            { errorRate, errorStatus, retryAfterS, delayMs, malformed,
 *                       malformedRate, seed, failInputs, failInputStatus } (see faults.ts)
 *   maxBodyBytes      64 MiB; larger bodies get 413
 *   engine            "sglang" (default) | "vllm" | "tei" | "llamacpp": the protocol spoken
 *
 * Routes: the engine's embeddings, health, info and model routes (SGLang: POST
 * /v1/embeddings, GET /health, /health_generate, /v1/models, /v1/models/{id},
 * /get_model_info), and the test control API: GET|POST /__standin/faults
 * (POST takes a partial fault patch), GET /__standin/stats, POST /__standin/stats/reset.
 * The same controls are on the returned handle, for in-process use.
 */
import http from "node:http";
import type { AddressInfo } from "node:net";
import { qwen3TokenCount } from "../../workers/tokenizer/qwen3-tokens";
import {
  resolveOptions,
  type StandinConfig,
  type StandinOptions,
} from "./config";
import {
  handleEmbeddings,
  type EmbeddingsDeps,
  type Reply,
} from "./embeddings-route";
import {
  FaultInjector,
  faultPatchSchema,
  type FaultPatch,
  type FaultSettings,
} from "./faults";
import { ForwardQueue, latencyProfile } from "./latency";
import { personalityFor } from "./personalities/personalities";
import { errorBody, modelCardBody, modelNotFoundBody } from "./protocol";
import { StatsRecorder, type StatsSnapshot } from "./stats";
import { warmTokenText } from "./token-text";

export type { StandinConfig, StandinOptions } from "./config";
export type { FaultPatch, FaultSettings } from "./faults";
export type { StatsSnapshot } from "./stats";

export const STANDIN_HEADER = "x-standin";
export const STANDIN_HEADER_VALUE = "feature-hashing; not Qwen3-Embedding-4B";
export const STANDIN_BANNER =
  "CPU stand-in: vectors are feature hashing of words and character 3-grams, NOT Qwen3-Embedding-4B; never compare them with real embeddings";

export interface Standin {
  /** e.g. http://127.0.0.1:41234, no trailing slash. */
  url: string;
  port: number;
  config: StandinConfig;
  faults(): FaultSettings;
  /** Validates and applies a partial fault patch; throws on an invalid one. */
  setFaults(patch: FaultPatch): FaultSettings;
  stats(): StatsSnapshot;
  resetStats(): void;
  /** Stops listening and drops open connections. */
  close(): Promise<void>;
}

const NOT_FOUND: Reply = {
  status: 404,
  body: JSON.stringify({ detail: "Not Found" }),
};
const NOT_ALLOWED: Reply = {
  status: 405,
  body: JSON.stringify({ detail: "Method Not Allowed" }),
};

const json = (value: unknown): Reply => ({
  status: 200,
  body: JSON.stringify(value),
});
const badRequest = (message: string): Reply => ({
  status: 400,
  body: errorBody({ status: 400, type: "Bad Request", message }),
});

function isJson(req: http.IncomingMessage): boolean {
  const mediaType = (req.headers["content-type"] ?? "")
    .split(";")[0]!
    .trim()
    .toLowerCase();
  return mediaType === "application/json";
}

/** The body as text, or null when it exceeds `limit` bytes (the rest is drained). */
async function readBody(
  req: http.IncomingMessage,
  limit: number,
): Promise<string | null> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size <= limit) chunks.push(chunk);
  }
  return size > limit ? null : Buffer.concat(chunks).toString("utf8");
}

function applyFaultPatch(faults: FaultInjector, bodyText: string): Reply {
  let value: unknown;
  try {
    value = bodyText.trim() === "" ? {} : JSON.parse(bodyText);
  } catch (e) {
    return badRequest(`JSON decode error: ${(e as Error).message}`);
  }
  const patch = faultPatchSchema.safeParse(value);
  if (!patch.success)
    return badRequest(`invalid fault patch: ${patch.error.message}`);
  return json(faults.update(patch.data));
}

type Handler = (
  deps: EmbeddingsDeps,
  req: http.IncomingMessage,
) => Reply | Promise<Reply>;

const ok = (body: string): Reply => ({ status: 200, body });

const TOO_LARGE: Reply = {
  status: 413,
  body: errorBody({
    status: 413,
    type: "Payload Too Large",
    message: "request body too large",
  }),
};

async function embeddings(
  deps: EmbeddingsDeps,
  req: http.IncomingMessage,
  path: string,
): Promise<Reply> {
  const header = req.headers["x-lane"];
  const lane = typeof header === "string" ? header : null;
  const finish = deps.stats.begin(lane);
  try {
    if (!isJson(req))
      return badRequest(
        "Unsupported Media Type: Only 'application/json' is allowed",
      );
    const body = await readBody(req, deps.config.maxBodyBytes);
    if (body === null) return TOO_LARGE;
    return await handleEmbeddings(deps, body, lane, path);
  } finally {
    finish();
  }
}

/** The test control API, the same for every engine. */
const CONTROL_ROUTES: Record<string, Partial<Record<string, Handler>>> = {
  "/__standin/faults": {
    GET: ({ faults }) => json(faults.settings),
    POST: async ({ faults, config }, req) => {
      const body = await readBody(req, config.maxBodyBytes);
      return body === null ? TOO_LARGE : applyFaultPatch(faults, body);
    },
  },
  "/__standin/stats": { GET: ({ stats }) => json(stats.snapshot()) },
  "/__standin/stats/reset": {
    POST: ({ stats }) => {
      stats.reset();
      return json(stats.snapshot());
    },
  },
};

function retrieveModel({ config }: EmbeddingsDeps, encodedId: string): Reply {
  let id = encodedId;
  try {
    id = decodeURIComponent(encodedId);
  } catch {
    // Not valid percent-encoding: compare it as sent.
  }
  return id === config.servedModelName
    ? ok(modelCardBody(config))
    : { status: 404, body: modelNotFoundBody(id) };
}

/** Exact paths by method for the personified engine; a known path, other method: 405. */
function routesOf(
  deps: EmbeddingsDeps,
): Record<string, Partial<Record<string, Handler>>> {
  const { personality } = deps;
  const routes: Record<string, Partial<Record<string, Handler>>> = {
    ...CONTROL_ROUTES,
  };
  for (const [path, render] of Object.entries(personality.getRoutes)) {
    routes[path] = { GET: ({ config }) => render(config) };
  }
  for (const path of personality.embedPaths) {
    routes[path] = { POST: (d, req) => embeddings(d, req, path) };
  }
  return routes;
}

async function route(
  deps: EmbeddingsDeps,
  routes: Record<string, Partial<Record<string, Handler>>>,
  req: http.IncomingMessage,
  path: string,
): Promise<Reply> {
  const method = req.method ?? "GET";
  const { apiKey } = deps.config;
  const { personality } = deps;
  const authorized =
    apiKey === null || req.headers.authorization === `Bearer ${apiKey}`;
  if (!authorized && !personality.isPublic(path))
    return personality.unauthorized;
  if (personality.name === "sglang" && path.startsWith("/v1/models/")) {
    return method === "GET"
      ? retrieveModel(deps, path.slice("/v1/models/".length))
      : NOT_ALLOWED;
  }
  const methods = routes[path];
  if (!methods) return NOT_FOUND;
  const handler = methods[method];
  return handler ? handler(deps, req) : NOT_ALLOWED;
}

function send(res: http.ServerResponse, reply: Reply): void {
  const headers: Record<string, string | number> = { ...reply.headers };
  if (reply.body !== "") headers["content-type"] = "application/json";
  headers["content-length"] = Buffer.byteLength(reply.body);
  res.writeHead(reply.status, headers);
  res.end(reply.body);
}

function urlHost(host: string): string {
  if (host === "0.0.0.0" || host === "::") return "127.0.0.1";
  return host.includes(":") ? `[${host}]` : host;
}

/** Starts a stand-in; resolves once its tokenizers are built and it is listening. */
export async function startStandin(
  options: StandinOptions = {},
): Promise<Standin> {
  const config = resolveOptions(options);
  const deps: EmbeddingsDeps = {
    config,
    faults: new FaultInjector(config.faults),
    stats: new StatsRecorder(),
    queue: new ForwardQueue(),
    profile: latencyProfile(config.profile, config.maxTokensPerPass),
    personality: personalityFor(config.engine),
  };
  const routes = routesOf(deps);
  // Build both tokenizers before listening, so /health means ready and the first call
  // is not ~0.5 s slower than the rest.
  await Promise.all([qwen3TokenCount("warm-up"), warmTokenText()]);

  const server = http.createServer((req, res) => {
    res.setHeader(STANDIN_HEADER, STANDIN_HEADER_VALUE);
    const path = new URL(req.url ?? "/", "http://standin").pathname;
    route(deps, routes, req, path).then(
      (reply) => send(res, reply),
      (error: unknown) =>
        send(res, {
          status: 500,
          body: deps.personality.errorBody(
            {
              status: 500,
              type: "InternalServerError",
              message: `Internal server error: ${
                error instanceof Error ? error.message : String(error)
              }`,
            },
            path,
          ),
        }),
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(config.port, config.host, () => resolve());
  });
  const port = (server.address() as AddressInfo).port;

  return {
    url: `http://${urlHost(config.host)}:${port}`,
    port,
    config,
    faults: () => deps.faults.settings,
    setFaults: (patch) => deps.faults.update(faultPatchSchema.parse(patch)),
    stats: () => deps.stats.snapshot(),
    resetStats: () => deps.stats.reset(),
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        server.closeAllConnections();
      }),
  };
}
