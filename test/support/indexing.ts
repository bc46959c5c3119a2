/**
 * Helpers for the indexing tests and benchmark: start a job, wait for it, read its
 * JSONL, and tiny local HTTP servers (document hosts, callback receivers) that record
 * what they received.
 */
import http from "node:http";
import type { AddressInfo } from "node:net";
import type { TestEdge } from "./edge";

export interface JobBody {
  id: string;
  object: "index.job";
  status: string;
  counts: {
    documents: number;
    documents_processed: number;
    chunks: number;
    chunks_from_cache: number;
    chunks_computed: number;
    failed: number;
  };
  last_error: { code: string; message: string } | null;
  callback: {
    url: string;
    status: string;
    attempts: number;
    last_error: string | null;
  } | null;
  [key: string]: unknown;
}

export interface ResultLine {
  document_id: string;
  chunk_index: number;
  start: number;
  end: number;
  token_count: number;
  embedding: string;
  metadata: unknown;
}

export const TERMINAL = ["completed", "failed", "cancelled"];

export function createJob(
  edge: TestEdge,
  apiKey: string,
  body: unknown,
  headers: Record<string, string> = {},
): Promise<Response> {
  return edge.fetch("/v1/index/jobs", {
    method: "POST",
    headers: {
      authorization: `Bearer ${apiKey}`,
      "content-type": "application/json",
      ...headers,
    },
    body: JSON.stringify(body),
  });
}

export async function getJob(
  edge: TestEdge,
  apiKey: string,
  id: string,
): Promise<JobBody> {
  const res = await edge.fetch(`/v1/index/jobs/${id}`, {
    headers: { authorization: `Bearer ${apiKey}` },
  });
  if (res.status !== 200)
    throw new Error(`GET job ${id}: ${res.status} ${await res.text()}`);
  return (await res.json()) as JobBody;
}

/** Polls until the job reaches one of `statuses` (default: any terminal one). */
export async function waitForJob(
  edge: TestEdge,
  apiKey: string,
  id: string,
  statuses = TERMINAL,
  timeoutMs = 60_000,
): Promise<JobBody> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const job = await getJob(edge, apiKey, id);
    if (statuses.includes(job.status)) return job;
    if (Date.now() > until)
      throw new Error(
        `job ${id} still ${job.status} after ${timeoutMs} ms: ${JSON.stringify(job)}`,
      );
    await new Promise((r) => setTimeout(r, 50));
  }
}

export async function readResults(
  edge: TestEdge,
  apiKey: string,
  id: string,
): Promise<ResultLine[]> {
  const res = await edge.fetch(`/v1/index/jobs/${id}/results`, {
    headers: { authorization: `Bearer ${apiKey}` },
  });
  if (res.status !== 200)
    throw new Error(`GET results ${id}: ${res.status} ${await res.text()}`);
  const text = await res.text();
  return text
    .split("\n")
    .filter((l) => l.length > 0)
    .map((l) => JSON.parse(l) as ResultLine);
}

/** `text[start:end]` in code points, as the JSONL spans are defined. */
export function codePointSlice(
  text: string,
  start: number,
  end: number,
): string {
  return [...text].slice(start, end).join("");
}

export interface LocalServer {
  url: string;
  requests: {
    method: string;
    path: string;
    headers: http.IncomingHttpHeaders;
    body: string;
  }[];
  close(): Promise<void>;
}

/** An HTTP server on 127.0.0.1 that records each request and answers with `handler`. */
export async function startLocalServer(
  handler: (
    req: { method: string; path: string; body: string },
    res: http.ServerResponse,
    index: number,
  ) => void,
): Promise<LocalServer> {
  const requests: LocalServer["requests"] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const entry = {
        method: req.method ?? "",
        path: req.url ?? "",
        headers: req.headers,
        body: Buffer.concat(chunks).toString(),
      };
      requests.push(entry);
      handler(entry, res, requests.length - 1);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
