/**
 * The edge Worker running in workerd (Miniflare), configured per test. Requests go
 * through `fetch(path, init)`; `url` is a real local HTTP address for clients that need
 * one (the official `openai` package).
 */
import { Miniflare } from "miniflare";
import { COMPATIBILITY_DATE } from "../../infra/local/build-worker";
import { TEST_BUNDLE } from "./global-setup";

export const TEST_API_KEY = "sk_test_edge_key_0123456789abcdef";

export interface EdgeOptions {
  gpuUrls: string[];
  vars?: Record<string, string>;
  /** API keys the edge accepts (each its own tenant until tenancy lands); default [TEST_API_KEY]. */
  apiKeys?: string[];
}

export interface TestEdge {
  url: string;
  /** Every line the Worker logged (stdout and stderr of workerd). */
  logs: string[];
  fetch(path: string, init?: RequestInit): Promise<Response>;
  embed(body: unknown, headers?: Record<string, string>): Promise<Response>;
  dispose(): Promise<void>;
}

export async function startEdge(options: EdgeOptions): Promise<TestEdge> {
  const logs: string[] = [];
  const collect = (stream: NodeJS.ReadableStream) =>
    stream.on("data", (chunk: Buffer) => {
      for (const line of chunk.toString().split("\n")) if (line.trim()) logs.push(line);
      if (process.env.DEBUG_EDGE) process.stderr.write(chunk);
    });
  const mf = new Miniflare({
    handleRuntimeStdio: (stdout: NodeJS.ReadableStream, stderr: NodeJS.ReadableStream) => {
      collect(stdout);
      collect(stderr);
    },
    modules: true,
    scriptPath: TEST_BUNDLE,
    compatibilityDate: COMPATIBILITY_DATE,
    host: "127.0.0.1",
    port: 0,
    bindings: {
      GPU_WORKER_URLS: options.gpuUrls.join(","),
      API_KEYS: (options.apiKeys ?? [TEST_API_KEY]).join(","),
      ...options.vars,
    },
  });
  const url = (await mf.ready).toString().replace(/\/$/, "");
  const doFetch = async (path: string, init?: RequestInit) => {
    const res = await mf.dispatchFetch(`http://edge.test${path}`, init as never);
    return res as unknown as Response;
  };
  return {
    url,
    logs,
    fetch: doFetch,
    embed: (body, headers = {}) =>
      doFetch("/v1/embeddings", {
        method: "POST",
        headers: { authorization: `Bearer ${TEST_API_KEY}`, "content-type": "application/json", ...headers },
        body: typeof body === "string" ? body : JSON.stringify(body),
      }),
    dispose: () => mf.dispose(),
  };
}
