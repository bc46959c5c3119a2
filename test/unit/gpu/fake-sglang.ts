/**
 * A tiny SGLang look-alike for the GPU pool's unit tests: a real node:http server on a
 * free port that records every request and answers through a per-test handler. The
 * default answer is SGLang's shape with deterministic unit vectors, so tests can compare
 * decoded vectors with `expectedVector(input)` bit for bit.
 */
import { createServer, type IncomingHttpHeaders, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import type { GpuItem } from "../../../workers/gpu/gpu-item";
import type { GpuPoolConfig } from "../../../workers/gpu/pool-config";

export const DIMS = 2560;

export interface RecordedRequest {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  /** Parsed JSON body for POSTs, undefined otherwise. */
  body:
    | { model: string; input: (string | number[])[]; encoding_format?: string }
    | undefined;
}

export type Reply =
  | {
      status: number;
      json?: unknown;
      text?: string;
      headers?: Record<string, string>;
      delayMs?: number;
    }
  | { hang: true }
  | { destroy: true };

export type Handler = (
  req: RecordedRequest,
  callNumber: number,
) => Reply | Promise<Reply>;

export interface FakeSglang {
  url: string;
  requests: RecordedRequest[];
  /** Requests whose connection the client closed before we answered (cancelled calls). */
  abandoned(): number;
  /** POST /v1/embeddings requests only. */
  embedCalls(): RecordedRequest[];
  setHandler(handler: Handler): void;
  close(): Promise<void>;
}

export async function startFakeSglang(
  handler: Handler = (req) => embeddingsReply(req),
): Promise<FakeSglang> {
  let current = handler;
  const requests: RecordedRequest[] = [];
  let abandoned = 0;
  const server: Server = createServer((req, res) => {
    res.on("close", () => {
      if (!res.writableFinished) abandoned += 1;
    });
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      void (async () => {
        const raw = Buffer.concat(chunks).toString("utf8");
        const recorded: RecordedRequest = {
          method: req.method ?? "",
          path: req.url ?? "",
          headers: req.headers,
          body:
            raw === ""
              ? undefined
              : (JSON.parse(raw) as RecordedRequest["body"]),
        };
        requests.push(recorded);
        const reply = await current(recorded, requests.length);
        if ("hang" in reply) return; // never answer; closeAllConnections ends it
        if ("destroy" in reply) {
          req.socket.destroy();
          return;
        }
        if (reply.delayMs !== undefined)
          await new Promise((r) => setTimeout(r, reply.delayMs));
        const body =
          reply.text ??
          (reply.json === undefined ? "" : JSON.stringify(reply.json));
        res.writeHead(reply.status, {
          "content-type": "application/json",
          ...reply.headers,
        });
        res.end(body);
      })();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    abandoned: () => abandoned,
    embedCalls: () =>
      requests.filter(
        (r) => r.method === "POST" && r.path === "/v1/embeddings",
      ),
    setHandler: (h) => {
      current = h;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** A base URL on which nothing listens: connections are refused. */
export async function refusingUrl(): Promise<string> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return `http://127.0.0.1:${port}`;
}

/** Deterministic unit vector per input, already float32 so comparisons are exact. */
export function expectedVector(input: string | number[]): Float32Array {
  const key = typeof input === "string" ? input : `ids:${input.join(",")}`;
  let seed = 2166136261;
  for (let i = 0; i < key.length; i++)
    seed = Math.imul(seed ^ key.charCodeAt(i), 16777619) >>> 0;
  const raw = Array.from({ length: DIMS }, (_, k) =>
    Math.sin(seed * 0.001 + k * 0.37),
  );
  const norm = Math.hypot(...raw);
  return Float32Array.from(raw, (v) => v / norm);
}

export type Encoding = "float" | "base64";

export function encodeVector(
  vector: Float32Array,
  encoding: Encoding,
): number[] | string {
  if (encoding === "float") return Array.from(vector);
  return Buffer.from(
    vector.buffer,
    vector.byteOffset,
    vector.byteLength,
  ).toString("base64");
}

/** SGLang's success body for a request; `reverse` lists data in reverse index order. */
export function embeddingsReply(
  req: RecordedRequest,
  options: { encoding?: Encoding; reverse?: boolean; delayMs?: number } = {},
): Reply {
  const inputs = req.body?.input ?? [];
  const data = inputs.map((input, index) => ({
    object: "embedding",
    index,
    embedding: encodeVector(expectedVector(input), options.encoding ?? "float"),
  }));
  if (options.reverse === true) data.reverse();
  const promptTokens = inputs.reduce(
    (n, input) => n + (typeof input === "string" ? input.length : input.length),
    0,
  );
  return {
    status: 200,
    json: {
      object: "list",
      data,
      model: req.body?.model,
      usage: { prompt_tokens: promptTokens, total_tokens: promptTokens },
    },
    ...(options.delayMs === undefined ? {} : { delayMs: options.delayMs }),
  };
}

export function sglangError(
  status: number,
  message: string,
  type = "BadRequestError",
): Reply {
  return {
    status,
    json: { object: "error", message, type, param: null, code: status },
  };
}

/** A fake clock: `sleep` records the delay and advances `now` by it instead of waiting. */
export function fakeClock(start = Date.UTC(2026, 0, 15, 12, 0, 0)) {
  const clock = {
    t: start,
    delays: [] as number[],
    now: () => clock.t,
    sleep: async (ms: number) => {
      clock.delays.push(ms);
      clock.t += ms;
    },
  };
  return clock;
}

/**
 * A complete pool config for tests; small numbers where the defaults would be slow. Every
 * URL is declared SGLang, so no detection GETs reach the fake (detection has its own tests).
 */
export function testConfig(
  urls: string[],
  overrides: Partial<GpuPoolConfig> = {},
): GpuPoolConfig {
  return {
    urls,
    engines: Object.fromEntries(urls.map((url) => [url, "sglang" as const])),
    maxInputsPerCall: 256,
    maxTokensPerCall: 16_384,
    maxConcurrentCalls: 4,
    callTimeoutMs: 5_000,
    deadlineMs: 60_000,
    maxRetries: 3,
    model: "Qwen/Qwen3-Embedding-4B",
    ...overrides,
  };
}

/** Text items with a token count of 1 each unless given. */
export function textItems(
  texts: string[],
  tokens: number[] = texts.map(() => 1),
): GpuItem[] {
  return texts.map((input, i) => ({ input, tokens: tokens[i] ?? 1 }));
}
