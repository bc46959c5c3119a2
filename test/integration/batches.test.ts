// The Batch API through workerd (Miniflare: real queues, Durable Objects and R2), a real
// redis-server behind the bridge and the CPU stand-in, driven by the official `openai`
// client the way a tenant does it: files.create + batches.create, poll, download, and
// every line's vectors matched bit for bit with the same request made online.
import OpenAI, { toFile } from "openai";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startEdge, type TestEdge } from "../support/edge";
import { startStandin, type Standin } from "../support/standin";
import { startCacheStack, type CacheStack } from "../support/cache-stack";

const MODEL = "Qwen3-Embedding-4B";
const TERMINAL = ["completed", "failed", "expired", "cancelled"];

let standin: Standin;
let stack: CacheStack;
let edge: TestEdge;
let client: OpenAI;

interface OutputLine {
  id: string;
  custom_id: string;
  response: { status_code: number; request_id: string; body: Record<string, unknown> } | null;
  error: { code: string; message: string } | null;
}

beforeAll(async () => {
  [standin, stack] = await Promise.all([startStandin({ profile: "l4" }), startCacheStack()]);
  // Two lines per queue message, so even small files run as several parts.
  edge = await startEdge({ gpuUrls: [standin.url], stack, vars: { BATCH_LINES_PER_MESSAGE: "2", INDEX_RETRY_DELAY_SECONDS: "0" } });
  client = new OpenAI({ apiKey: edge.apiKey, baseURL: `${edge.url}/v1`, maxRetries: 0 });
});
afterAll(async () => {
  await edge?.dispose();
  await Promise.all([standin?.close(), stack?.close()]);
});

const jsonl = (lines: unknown[]) => lines.map((l) => (typeof l === "string" ? l : JSON.stringify(l))).join("\n") + "\n";
const request = (custom_id: string, body: unknown) => ({ custom_id, method: "POST", url: "/v1/embeddings", body });

async function submit(text: string, metadata?: Record<string, string>) {
  const file = await client.files.create({ file: await toFile(Buffer.from(text), "input.jsonl"), purpose: "batch" });
  return client.batches.create({ input_file_id: file.id, endpoint: "/v1/embeddings", completion_window: "24h", ...(metadata ? { metadata } : {}) });
}

async function waitFor(id: string, statuses = TERMINAL, timeoutMs = 60_000) {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const batch = await client.batches.retrieve(id);
    if (statuses.includes(batch.status)) return batch;
    if (Date.now() > until) throw new Error(`batch ${id} still ${batch.status}: ${JSON.stringify(batch)}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

async function download(fileId: string): Promise<OutputLine[]> {
  const text = await (await client.files.content(fileId)).text();
  expect(text.endsWith("\n")).toBe(true);
  return text.trimEnd().split("\n").map((l) => JSON.parse(l) as OutputLine);
}

async function online(body: unknown): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await edge.embed(body);
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

const float32Bytes = (b64: string) => Buffer.from(b64, "base64");

describe("the Batch API with the official openai client", () => {
  it("runs every line like /v1/embeddings: same bodies, same vectors, one failed line apart", async () => {
    const bodies: Record<string, Record<string, unknown>> = {
      "doc-1": { model: MODEL, input: "The quick brown fox jumps over the lazy dog", encoding_format: "float" },
      "doc-2": { model: MODEL, input: ["Embeddings at the edge", "Batches on the bulk lane"], encoding_format: "base64" },
      "query-1": { model: MODEL, input: "what is a bulk lane", input_type: "query", dimensions: 64, encoding_format: "float" },
      "doc-3": { model: MODEL, input: "Whitespace and all  ", encoding_format: "base64", dimensions: 256 },
      "too-many": { model: MODEL, input: Array.from({ length: 2049 }, () => "x") },
    };
    const created = await submit(jsonl(Object.entries(bodies).map(([id, body]) => request(id, body))), { job: "nightly" });
    expect(created).toMatchObject({
      object: "batch",
      endpoint: "/v1/embeddings",
      completion_window: "24h",
      status: "validating",
      metadata: { job: "nightly" },
      output_file_id: null,
      error_file_id: null,
      errors: null,
    });
    expect(created.id).toMatch(/^batch_[0-9a-f]{12}[0-9A-Za-z]{16}$/);
    expect(created.expires_at! - created.created_at).toBe(86_400);

    const batch = await waitFor(created.id);
    expect(batch.status).toBe("completed");
    expect(batch.request_counts).toEqual({ total: 5, completed: 4, failed: 1 });
    for (const stamp of [batch.in_progress_at, batch.finalizing_at, batch.completed_at]) expect(stamp).toBeGreaterThanOrEqual(created.created_at);
    expect(batch.finalizing_at!).toBeLessThanOrEqual(batch.completed_at!);
    expect([batch.failed_at, batch.cancelled_at, batch.expired_at, batch.cancelling_at]).toEqual([null, null, null, null]);

    const output = await download(batch.output_file_id!);
    expect(output.map((l) => l.custom_id).sort()).toEqual(["doc-1", "doc-2", "doc-3", "query-1"]);
    for (const line of output) {
      expect(line.id).toMatch(/^batch_req_[0-9A-Za-z]{24}$/);
      expect(line.error).toBeNull();
      expect(line.response!.status_code).toBe(200);
      expect(line.response!.request_id).toMatch(/^req_/);
      // The same request online answers the same body: every float, every base64 byte.
      const live = await online(bodies[line.custom_id]);
      expect(live.status).toBe(200);
      expect(line.response!.body).toEqual(live.body);
    }
    // And through the SDK's own default (base64 decoded to Float32Array): the same bits.
    const viaSdk = await client.embeddings.create({ model: MODEL, input: ["Embeddings at the edge", "Batches on the bulk lane"] });
    const doc2 = output.find((l) => l.custom_id === "doc-2")!.response!.body as { data: { embedding: string }[] };
    viaSdk.data.forEach((d, i) => expect(Buffer.from(new Float32Array(d.embedding).buffer)).toEqual(float32Bytes(doc2.data[i]!.embedding)));

    const errorLines = await download(batch.error_file_id!);
    expect(errorLines).toHaveLength(1);
    const live = await online(bodies["too-many"]);
    expect(live.status).toBe(400);
    expect(errorLines[0]).toMatchObject({ custom_id: "too-many", error: null, response: { status_code: 400, body: live.body } });
    expect((live.body as { error: { param: string } }).error.param).toBe("input");

    const outputFile = await client.files.retrieve(batch.output_file_id!);
    expect(outputFile).toMatchObject({ object: "file", purpose: "batch_output", filename: `${batch.id}_output.jsonl`, status: "processed" });
    const text = await (await client.files.content(batch.output_file_id!)).text();
    expect(outputFile.bytes).toBe(Buffer.byteLength(text));
  });

  it("meters batch lines as their own usage class, priced at BATCH_PRICE_FACTOR", async () => {
    const tenant = await edge.newTenant({ name: "metered" });
    const own = new OpenAI({ apiKey: tenant.apiKey, baseURL: `${edge.url}/v1`, maxRetries: 0 });
    const file = await own.files.create({
      file: await toFile(Buffer.from(jsonl([request("a", { model: MODEL, input: ["metered one", "metered two"] }), request("b", { model: MODEL, input: "metered three" })])), "m.jsonl"),
      purpose: "batch",
    });
    const created = await own.batches.create({ input_file_id: file.id, endpoint: "/v1/embeddings", completion_window: "24h" });
    const until = Date.now() + 30_000;
    let usage: { totals: Record<string, number> & { batch: Record<string, number> } };
    for (;;) {
      const res = await edge.fetch("/v1/usage", { headers: { authorization: `Bearer ${tenant.apiKey}` } });
      usage = (await res.json()) as typeof usage;
      if (usage.totals.batch.requests === 2 || Date.now() > until) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    expect((await own.batches.retrieve(created.id)).status).toBe("completed");
    const { batch, ...all } = usage.totals;
    expect(batch).toMatchObject({ requests: 2, inputs: 3, tokens_cached: 0 });
    expect(all).toMatchObject({ requests: 2, inputs: 3, tokens_computed: batch.tokens_computed!, gpu_ms: batch.gpu_ms! });
    // $0.00019 per GPU second (wrangler.toml's default), half price for batch.
    const expected = Math.round(((batch.gpu_ms! / 1000) * 0.00019 * 0.5) * 1e10) / 1e10;
    expect(batch.estimated_cost_usd).toBe(expected);
    expect(all.estimated_cost_usd).toBe(expected);
  });

  it("fails a batch whose file breaks the format, naming the line", async () => {
    const created = await submit(jsonl([request("ok", { model: MODEL, input: "fine" }), "{not json", request("ok", { model: MODEL, input: "dup" })]));
    const batch = await waitFor(created.id);
    expect(batch.status).toBe("failed");
    expect(batch.errors).toEqual({
      object: "list",
      data: [
        { code: "invalid_json_line", message: "Line 2 is not valid JSON.", param: null, line: 2 },
        { code: "duplicate_custom_id", message: 'Line 3: \'custom_id\' "ok" is used by an earlier line.', param: "custom_id", line: 3 },
      ],
    });
    expect(batch.request_counts).toEqual({ total: 0, completed: 0, failed: 0 });
    expect(batch.output_file_id).toBeNull();
    expect(batch.failed_at).toBeGreaterThanOrEqual(created.created_at);
  });

  it("cancels mid-way: cancelling, then cancelled with the lines that ran", async () => {
    const lines = Array.from({ length: 60 }, (_, i) => request(`c-${i}`, { model: MODEL, input: `cancel me ${i} ${"word ".repeat(200)}` }));
    const created = await submit(jsonl(lines));
    await waitFor(created.id, ["in_progress"]);
    const until = Date.now() + 30_000;
    while ((await client.batches.retrieve(created.id)).request_counts!.completed < 2 && Date.now() < until) await new Promise((r) => setTimeout(r, 20));
    const cancelling = await client.batches.cancel(created.id);
    expect(cancelling.status).toBe("cancelling");
    expect(cancelling.cancelling_at).toBeGreaterThanOrEqual(created.created_at);
    const batch = await waitFor(created.id);
    expect(batch.status).toBe("cancelled");
    const { completed, failed, total } = batch.request_counts!;
    expect(total).toBe(60);
    expect(failed).toBe(0);
    expect(completed).toBeGreaterThanOrEqual(2);
    expect(completed).toBeLessThan(60);
    const output = await download(batch.output_file_id!);
    expect(output).toHaveLength(completed);
    await expect(client.batches.cancel(batch.id)).resolves.toMatchObject({ status: "cancelled" });
  });

  it("lists, retrieves and deletes files and batches of the caller's tenant only", async () => {
    const file = await client.files.create({ file: await toFile(Buffer.from(jsonl([request("x", { model: MODEL, input: "x" })])), "list.jsonl"), purpose: "batch" });
    expect(file).toEqual({ id: file.id, object: "file", bytes: Buffer.byteLength(jsonl([request("x", { model: MODEL, input: "x" })])), created_at: file.created_at, filename: "list.jsonl", purpose: "batch", status: "processed", status_details: null });
    const page = await client.files.list({ limit: 1 });
    expect(page.data.map((f) => f.id)).toEqual([file.id]);
    expect(page.has_more).toBe(true);
    const batches = await client.batches.list({ limit: 100 });
    expect(batches.data.map((b) => b.status)).toEqual(["cancelled", "failed", "completed"]); // this file's earlier tests, newest first

    const stranger = await edge.newTenant({ name: "stranger" });
    const res = await edge.fetch(`/v1/files/${file.id}`, { headers: { authorization: `Bearer ${stranger.apiKey}` } });
    expect(res.status).toBe(404);
    expect(await res.json()).toEqual({ error: { message: `No such File object: ${file.id}`, type: "invalid_request_error", param: "file_id", code: "file_not_found" } });

    expect(await client.files.delete(file.id)).toEqual({ id: file.id, object: "file", deleted: true });
    await expect(client.files.retrieve(file.id)).rejects.toMatchObject({ status: 404 });
  });

  it("refuses bad uploads and batch parameters with OpenAI's envelope", async () => {
    const form = new FormData();
    form.set("purpose", "fine-tune");
    form.set("file", new Blob(["{}\n"]), "a.jsonl");
    const multipart = new Response(form);
    const bad = await edge.fetch("/v1/files", {
      method: "POST",
      headers: { authorization: `Bearer ${edge.apiKey}`, "content-type": multipart.headers.get("content-type")! },
      body: await multipart.arrayBuffer(),
    });
    expect(bad.status).toBe(400);
    expect(await bad.json()).toEqual({ error: { message: "Invalid purpose 'fine-tune': this API accepts files for 'batch' only.", type: "invalid_request_error", param: "purpose", code: null } });

    const file = await client.files.create({ file: await toFile(Buffer.from("{}\n"), "a.jsonl"), purpose: "batch" });
    const wrongEndpoint = await edge.fetch("/v1/batches", {
      method: "POST",
      headers: { authorization: `Bearer ${edge.apiKey}`, "content-type": "application/json" },
      body: JSON.stringify({ input_file_id: file.id, endpoint: "/v1/chat/completions", completion_window: "24h" }),
    });
    expect(wrongEndpoint.status).toBe(400);
    expect(await wrongEndpoint.json()).toEqual({ error: { message: "Only '/v1/embeddings' batches are supported.", type: "invalid_request_error", param: "endpoint", code: null } });
    await expect(client.batches.create({ input_file_id: "file-nope", endpoint: "/v1/embeddings", completion_window: "24h" })).rejects.toMatchObject({ status: 404 });
  });
});
