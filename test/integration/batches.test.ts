// The Batch API through workerd (Miniflare: real queues, Durable Objects and R2), a real
// redis-server behind the bridge and the CPU stand-in, driven by the official `openai`
// client the way a tenant does it: files.create + batches.create, poll, download, and
// every line's vectors matched bit for bit with the same request made online.
import OpenAI, { toFile } from "openai";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startEdge, type TestEdge } from "../support/edge";
import { startStandin, type Standin } from "../support/standin";
import { startCacheStack, type CacheStack } from "../support/cache-stack";
import { startLocalServer, type LocalServer } from "../support/indexing";

const MODEL = "Qwen3-Embedding-4B";
const TERMINAL = ["completed", "failed", "expired", "cancelled"];

let standin: Standin;
let stack: CacheStack;
let edge: TestEdge;
let client: OpenAI;

interface OutputLine {
  id: string;
  custom_id: string;
  response: {
    status_code: number;
    request_id: string;
    body: Record<string, unknown>;
  } | null;
  error: { code: string; message: string } | null;
}

beforeAll(async () => {
  [standin, stack] = await Promise.all([
    startStandin({ profile: "l4" }),
    startCacheStack(),
  ]);
  // Two lines per queue message, so even small files run as several parts.
  edge = await startEdge({
    gpuUrls: [standin.url],
    stack,
    vars: { BATCH_LINES_PER_MESSAGE: "2", INDEX_RETRY_DELAY_SECONDS: "0" },
  });
  client = new OpenAI({
    apiKey: edge.apiKey,
    baseURL: `${edge.url}/v1`,
    maxRetries: 0,
    fetch: edge.checkedFetch,
  });
});
afterAll(async () => {
  await edge?.dispose();
  await Promise.all([standin?.close(), stack?.close()]);
});

const jsonl = (lines: unknown[]) =>
  lines.map((l) => (typeof l === "string" ? l : JSON.stringify(l))).join("\n") +
  "\n";
const request = (custom_id: string, body: unknown) => ({
  custom_id,
  method: "POST",
  url: "/v1/embeddings",
  body,
});

async function submit(text: string, metadata?: Record<string, string>) {
  const file = await client.files.create({
    file: await toFile(Buffer.from(text), "input.jsonl"),
    purpose: "batch",
  });
  return client.batches.create({
    input_file_id: file.id,
    endpoint: "/v1/embeddings",
    completion_window: "24h",
    ...(metadata ? { metadata } : {}),
  });
}

async function waitFor(
  id: string,
  statuses = TERMINAL,
  as = client,
  timeoutMs = 60_000,
) {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const batch = await as.batches.retrieve(id);
    if (statuses.includes(batch.status)) return batch;
    if (Date.now() > until)
      throw new Error(
        `batch ${id} still ${batch.status}: ${JSON.stringify(batch)}`,
      );
    await new Promise((r) => setTimeout(r, 50));
  }
}

async function download(fileId: string, as = client): Promise<OutputLine[]> {
  const text = await (await as.files.content(fileId)).text();
  expect(text.endsWith("\n")).toBe(true);
  return text
    .trimEnd()
    .split("\n")
    .map((l) => JSON.parse(l) as OutputLine);
}

async function online(
  body: unknown,
): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await edge.embed(body);
  return {
    status: res.status,
    body: (await res.json()) as Record<string, unknown>,
  };
}

const float32Bytes = (b64: string) => Buffer.from(b64, "base64");

describe("the Batch API with the official openai client", () => {
  it("runs every line like /v1/embeddings: same bodies, same vectors, the failed lines apart", async () => {
    const bodies: Record<string, Record<string, unknown>> = {
      "doc-1": {
        model: MODEL,
        input: "The quick brown fox jumps over the lazy dog",
        encoding_format: "float",
      },
      "doc-2": {
        model: MODEL,
        input: ["Embeddings at the edge", "Batches on the bulk lane"],
        encoding_format: "base64",
      },
      "query-1": {
        model: MODEL,
        input: "what is a bulk lane",
        input_type: "query",
        dimensions: 64,
        encoding_format: "float",
      },
      "doc-3": {
        model: MODEL,
        input: "Whitespace and all  ",
        encoding_format: "base64",
        dimensions: 256,
      },
      "too-many": {
        model: MODEL,
        input: Array.from({ length: 2049 }, () => "x"),
      },
      // 33,001 tokens with end-of-text: past GPU_CONTEXT_LENGTH (32,768).
      "too-long": { model: MODEL, input: "word ".repeat(33_000).trim() },
    };
    const created = await submit(
      jsonl(Object.entries(bodies).map(([id, body]) => request(id, body))),
      { job: "nightly" },
    );
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
    expect(batch.request_counts).toEqual({ total: 6, completed: 4, failed: 2 });
    for (const stamp of [
      batch.in_progress_at,
      batch.finalizing_at,
      batch.completed_at,
    ])
      expect(stamp).toBeGreaterThanOrEqual(created.created_at);
    expect(batch.finalizing_at!).toBeLessThanOrEqual(batch.completed_at!);
    expect([
      batch.failed_at,
      batch.cancelled_at,
      batch.expired_at,
      batch.cancelling_at,
    ]).toEqual([null, null, null, null]);

    const output = await download(batch.output_file_id!);
    expect(output.map((l) => l.custom_id).sort()).toEqual([
      "doc-1",
      "doc-2",
      "doc-3",
      "query-1",
    ]);
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
    const viaSdk = await client.embeddings.create({
      model: MODEL,
      input: ["Embeddings at the edge", "Batches on the bulk lane"],
    });
    const doc2 = output.find((l) => l.custom_id === "doc-2")!.response!
      .body as { data: { embedding: string }[] };
    viaSdk.data.forEach((d, i) =>
      expect(Buffer.from(new Float32Array(d.embedding).buffer)).toEqual(
        float32Bytes(doc2.data[i]!.embedding),
      ),
    );

    const errorLines = await download(batch.error_file_id!);
    expect(errorLines.map((l) => l.custom_id).sort()).toEqual([
      "too-long",
      "too-many",
    ]);
    for (const [customId, param] of [
      ["too-many", "input"],
      ["too-long", "input[0]"],
    ] as const) {
      const live = await online(bodies[customId]);
      expect(live.status).toBe(400);
      expect((live.body as { error: { param: string } }).error.param).toBe(
        param,
      );
      expect(errorLines.find((l) => l.custom_id === customId)).toMatchObject({
        error: null,
        response: { status_code: 400, body: live.body },
      });
    }

    await expect(client.batches.cancel(batch.id)).rejects.toMatchObject({
      status: 409,
      error: {
        message: "Cannot cancel a batch with status 'completed'.",
        type: "invalid_request_error",
        param: null,
        code: "batch_not_cancellable",
      },
    });

    const outputFile = await client.files.retrieve(batch.output_file_id!);
    expect(outputFile).toMatchObject({
      object: "file",
      purpose: "batch_output",
      filename: `${batch.id}_output.jsonl`,
      status: "processed",
    });
    const text = await (
      await client.files.content(batch.output_file_id!)
    ).text();
    expect(outputFile.bytes).toBe(Buffer.byteLength(text));
  });

  it("meters batch lines as their own usage class, priced at BATCH_PRICE_FACTOR", async () => {
    const tenant = await edge.newTenant({ name: "metered" });
    const own = new OpenAI({
      apiKey: tenant.apiKey,
      baseURL: `${edge.url}/v1`,
      maxRetries: 0,
      fetch: edge.checkedFetch,
    });
    const file = await own.files.create({
      file: await toFile(
        Buffer.from(
          jsonl([
            request("a", {
              model: MODEL,
              input: ["metered one", "metered two"],
            }),
            request("b", { model: MODEL, input: "metered three" }),
          ]),
        ),
        "m.jsonl",
      ),
      purpose: "batch",
    });
    const created = await own.batches.create({
      input_file_id: file.id,
      endpoint: "/v1/embeddings",
      completion_window: "24h",
    });
    const until = Date.now() + 30_000;
    let usage: {
      totals: Record<string, number> & { batch: Record<string, number> };
    };
    for (;;) {
      const res = await edge.fetch("/v1/usage", {
        headers: { authorization: `Bearer ${tenant.apiKey}` },
      });
      usage = (await res.json()) as typeof usage;
      if (usage.totals.batch.requests === 2 || Date.now() > until) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    expect((await own.batches.retrieve(created.id)).status).toBe("completed");
    const { batch, ...all } = usage.totals;
    expect(batch).toMatchObject({ requests: 2, inputs: 3, tokens_cached: 0 });
    expect(all).toMatchObject({
      requests: 2,
      inputs: 3,
      tokens_computed: batch.tokens_computed!,
      gpu_ms: batch.gpu_ms!,
    });
    // $0.00019 per GPU second (wrangler.toml's default), half price for batch.
    const expected =
      Math.round((batch.gpu_ms! / 1000) * 0.00019 * 0.5 * 1e10) / 1e10;
    expect(batch.estimated_cost_usd).toBe(expected);
    expect(all.estimated_cost_usd).toBe(expected);
  });

  it("fails a batch whose file breaks the format, naming the line", async () => {
    const created = await submit(
      jsonl([
        request("ok", { model: MODEL, input: "fine" }),
        "{not json",
        request("ok", { model: MODEL, input: "dup" }),
      ]),
    );
    const batch = await waitFor(created.id);
    expect(batch.status).toBe("failed");
    expect(batch.errors).toEqual({
      object: "list",
      data: [
        {
          code: "invalid_json_line",
          message: "Line 2 is not valid JSON.",
          param: null,
          line: 2,
        },
        {
          code: "duplicate_custom_id",
          message: "Line 3: 'custom_id' \"ok\" is used by an earlier line.",
          param: "custom_id",
          line: 3,
        },
      ],
    });
    expect(batch.request_counts).toEqual({ total: 0, completed: 0, failed: 0 });
    expect(batch.output_file_id).toBeNull();
    expect(batch.failed_at).toBeGreaterThanOrEqual(created.created_at);
  });

  it("cancels mid-way: cancelling, then cancelled with the lines that ran", async () => {
    const lines = Array.from({ length: 60 }, (_, i) =>
      request(`c-${i}`, {
        model: MODEL,
        input: `cancel me ${i} ${"word ".repeat(200)}`,
      }),
    );
    const created = await submit(jsonl(lines));
    await waitFor(created.id, ["in_progress"]);
    const until = Date.now() + 30_000;
    while (
      (await client.batches.retrieve(created.id)).request_counts!.completed <
        2 &&
      Date.now() < until
    )
      await new Promise((r) => setTimeout(r, 20));
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
    await expect(client.batches.cancel(batch.id)).resolves.toMatchObject({
      status: "cancelled",
    });
  });

  it("lists, retrieves and deletes files and batches of the caller's tenant only", async () => {
    const file = await client.files.create({
      file: await toFile(
        Buffer.from(jsonl([request("x", { model: MODEL, input: "x" })])),
        "list.jsonl",
      ),
      purpose: "batch",
    });
    expect(file).toEqual({
      id: file.id,
      object: "file",
      bytes: Buffer.byteLength(
        jsonl([request("x", { model: MODEL, input: "x" })]),
      ),
      created_at: file.created_at,
      filename: "list.jsonl",
      purpose: "batch",
      status: "processed",
      status_details: null,
    });
    const page = await client.files.list({ limit: 1 });
    expect(page.data.map((f) => f.id)).toEqual([file.id]);
    expect(page.has_more).toBe(true);
    const batches = await client.batches.list({ limit: 100 });
    expect(batches.data.map((b) => b.status)).toEqual([
      "cancelled",
      "failed",
      "completed",
    ]); // this file's earlier tests, newest first

    const stranger = await edge.newTenant({ name: "stranger" });
    const res = await edge.fetch(`/v1/files/${file.id}`, {
      headers: { authorization: `Bearer ${stranger.apiKey}` },
    });
    expect(res.status).toBe(404);
    expect(await res.json()).toEqual({
      error: {
        message: `No such File object: ${file.id}`,
        type: "invalid_request_error",
        param: "file_id",
        code: "file_not_found",
      },
    });

    const strangerBatch = await edge.fetch(
      `/v1/batches/${batches.data[0]!.id}`,
      { headers: { authorization: `Bearer ${stranger.apiKey}` } },
    );
    expect(strangerBatch.status).toBe(404);
    expect(await strangerBatch.json()).toEqual({
      error: {
        message: `No such Batch object: ${batches.data[0]!.id}`,
        type: "invalid_request_error",
        param: "batch_id",
        code: "batch_not_found",
      },
    });
    const outputId = batches.data.find(
      (b) => b.status === "completed",
    )!.output_file_id!;
    expect(
      (
        await edge.fetch(`/v1/files/${outputId}/content`, {
          headers: { authorization: `Bearer ${stranger.apiKey}` },
        })
      ).status,
    ).toBe(404);
    const outputs = await client.files.list({ purpose: "batch_output" });
    expect(outputs.data.every((f) => f.purpose === "batch_output")).toBe(true);
    expect(outputs.data.map((f) => f.id)).toContain(outputId);

    expect(await client.files.delete(file.id)).toEqual({
      id: file.id,
      object: "file",
      deleted: true,
    });
    await expect(client.files.retrieve(file.id)).rejects.toMatchObject({
      status: 404,
    });
  });

  it("computes and meters each line once when every part message is delivered twice", async () => {
    const tenant = await edge.newTenant({ name: "redelivered" });
    const own = new OpenAI({
      apiKey: tenant.apiKey,
      baseURL: `${edge.url}/v1`,
      maxRetries: 0,
      fetch: edge.checkedFetch,
    });
    const lines = Array.from({ length: 8 }, (_, i) =>
      request(`r-${i}`, { model: MODEL, input: `redelivered line ${i}` }),
    );
    const file = await own.files.create({
      file: await toFile(Buffer.from(jsonl(lines)), "r.jsonl"),
      purpose: "batch",
    });
    standin.resetStats();
    const created = await own.batches.create({
      input_file_id: file.id,
      endpoint: "/v1/embeddings",
      completion_window: "24h",
    });
    await waitFor(created.id, ["in_progress", ...TERMINAL], own);
    // The same messages the Durable Object sends (4 parts of 2 lines), sent twice more while it runs: redeliveries.
    const queue = (await edge.bindings()).BATCH_QUEUE as {
      sendBatch(messages: { body: unknown }[]): Promise<void>;
    };
    const parts = Array.from({ length: 4 }, (_, part) => ({
      body: {
        kind: "batch.part",
        tenant_id: tenant.tenantId,
        batch_id: created.id,
        part,
      },
    }));
    await queue.sendBatch(parts);
    await queue.sendBatch(parts);
    const batch = await waitFor(created.id, TERMINAL, own);
    expect(batch.status).toBe("completed");
    expect(batch.request_counts).toEqual({ total: 8, completed: 8, failed: 0 });
    expect((await download(batch.output_file_id!, own)).length).toBe(8);
    expect(standin.stats().inputs).toBe(8);
    const until = Date.now() + 10_000;
    let requests = 0;
    while (Date.now() < until) {
      const res = await edge.fetch("/v1/usage", {
        headers: { authorization: `Bearer ${tenant.apiKey}` },
      });
      requests = (
        (await res.json()) as { totals: { batch: { requests: number } } }
      ).totals.batch.requests;
      if (requests === 8) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(requests).toBe(8);
  });

  it("documents the routes in /openapi.json, with every field of the Batch object", async () => {
    const doc = (await (await edge.fetch("/openapi.json")).json()) as {
      paths: Record<string, Record<string, unknown>>;
      components: { schemas: Record<string, { required?: string[] }> };
    };
    expect(
      Object.keys(doc.paths)
        .filter((p) => p.startsWith("/v1/files") || p.startsWith("/v1/batches"))
        .sort(),
    ).toEqual([
      "/v1/batches",
      "/v1/batches/{batch_id}",
      "/v1/batches/{batch_id}/cancel",
      "/v1/files",
      "/v1/files/{file_id}",
      "/v1/files/{file_id}/content",
    ]);
    expect(Object.keys(doc.paths["/v1/files"]!).sort()).toEqual([
      "get",
      "post",
    ]);
    const batch = await client.batches.retrieve(
      (await client.batches.list({ limit: 1 })).data[0]!.id,
    );
    expect([...doc.components.schemas.Batch!.required!].sort()).toEqual(
      Object.keys(batch).sort(),
    );
    const file = await client.files.retrieve(
      (await client.files.list({ limit: 1 })).data[0]!.id,
    );
    expect([...doc.components.schemas.File!.required!].sort()).toEqual(
      Object.keys(file).sort(),
    );
  });

  it("refuses bad uploads and batch parameters with OpenAI's envelope", async () => {
    const form = new FormData();
    form.set("purpose", "fine-tune");
    form.set("file", new Blob(["{}\n"]), "a.jsonl");
    const multipart = new Response(form);
    const bad = await edge.fetch("/v1/files", {
      method: "POST",
      headers: {
        authorization: `Bearer ${edge.apiKey}`,
        "content-type": multipart.headers.get("content-type")!,
      },
      body: await multipart.arrayBuffer(),
    });
    expect(bad.status).toBe(400);
    expect(await bad.json()).toEqual({
      error: {
        message:
          "Invalid purpose 'fine-tune': this API accepts files for 'batch' only.",
        type: "invalid_request_error",
        param: "purpose",
        code: null,
      },
    });

    const file = await client.files.create({
      file: await toFile(Buffer.from("{}\n"), "a.jsonl"),
      purpose: "batch",
    });
    const wrongEndpoint = await edge.fetch("/v1/batches", {
      method: "POST",
      headers: {
        authorization: `Bearer ${edge.apiKey}`,
        "content-type": "application/json",
      },
      body: JSON.stringify({
        input_file_id: file.id,
        endpoint: "/v1/chat/completions",
        completion_window: "24h",
      }),
    });
    expect(wrongEndpoint.status).toBe(400);
    expect(await wrongEndpoint.json()).toEqual({
      error: {
        message: "Only '/v1/embeddings' batches are supported.",
        type: "invalid_request_error",
        param: "endpoint",
        code: null,
      },
    });
    await expect(
      client.batches.create({
        input_file_id: "file-nope",
        endpoint: "/v1/embeddings",
        completion_window: "24h",
      }),
    ).rejects.toMatchObject({ status: 404 });
  });
});

describe("limits from configuration, and expiry", () => {
  let small: TestEdge;
  let hanging: LocalServer;
  let smallClient: OpenAI;

  beforeAll(async () => {
    // A GPU worker that never answers: nothing can complete, so a 2 s window expires every batch.
    hanging = await startLocalServer(() => undefined);
    small = await startEdge({
      gpuUrls: [hanging.url],
      stack,
      vars: {
        BATCH_MAX_FILE_BYTES: "2048",
        BATCH_MAX_REQUESTS: "3",
        BATCH_COMPLETION_WINDOW_SECONDS: "2",
        BATCH_LINES_PER_MESSAGE: "2",
      },
    });
    smallClient = new OpenAI({
      apiKey: small.apiKey,
      baseURL: `${small.url}/v1`,
      maxRetries: 0,
      fetch: small.checkedFetch,
    });
  });
  afterAll(async () => {
    await small?.dispose();
    await hanging?.close();
  });

  it("refuses a file over BATCH_MAX_FILE_BYTES with 413", async () => {
    const text = jsonl([
      request("big", { model: MODEL, input: "x".repeat(2100) }),
    ]);
    await expect(
      smallClient.files.create({
        file: await toFile(Buffer.from(text), "big.jsonl"),
        purpose: "batch",
      }),
    ).rejects.toMatchObject({
      status: 413,
      error: {
        message:
          "File too large: a batch input file may have at most 2048 bytes.",
        type: "invalid_request_error",
        param: "file",
        code: "file_too_large",
      },
    });
  });

  it("fails a file with more than BATCH_MAX_REQUESTS lines", async () => {
    const lines = Array.from({ length: 4 }, (_, i) =>
      request(`l-${i}`, { model: MODEL, input: "x" }),
    );
    const file = await smallClient.files.create({
      file: await toFile(Buffer.from(jsonl(lines)), "four.jsonl"),
      purpose: "batch",
    });
    const created = await smallClient.batches.create({
      input_file_id: file.id,
      endpoint: "/v1/embeddings",
      completion_window: "24h",
    });
    const batch = await waitFor(created.id, TERMINAL, smallClient);
    expect(batch.status).toBe("failed");
    expect(batch.errors).toEqual({
      object: "list",
      data: [
        {
          code: "too_many_requests",
          message:
            "The input file has more than 3 requests, the most a batch takes.",
          param: null,
          line: null,
        },
      ],
    });
  });

  it("expires past its window: every unfinished line gets a batch_expired error line", async () => {
    const lines = Array.from({ length: 3 }, (_, i) =>
      request(`e-${i}`, { model: MODEL, input: `never embedded ${i}` }),
    );
    const file = await smallClient.files.create({
      file: await toFile(Buffer.from(jsonl(lines)), "three.jsonl"),
      purpose: "batch",
    });
    const created = await smallClient.batches.create({
      input_file_id: file.id,
      endpoint: "/v1/embeddings",
      completion_window: "24h",
    });
    expect(created.expires_at! - created.created_at).toBe(2);
    const batch = await waitFor(created.id, TERMINAL, smallClient);
    expect(batch.status).toBe("expired");
    expect(batch.expired_at).toBeGreaterThanOrEqual(created.expires_at!);
    expect(batch.request_counts).toEqual({ total: 3, completed: 0, failed: 3 });
    expect(batch.output_file_id).toBeNull();
    const text = await (
      await smallClient.files.content(batch.error_file_id!)
    ).text();
    const errorLines = text
      .trimEnd()
      .split("\n")
      .map((l) => JSON.parse(l) as OutputLine);
    expect(errorLines.map((l) => ({ ...l, id: l.id.slice(0, 10) }))).toEqual(
      ["e-0", "e-1", "e-2"].map((custom_id) => ({
        id: "batch_req_",
        custom_id,
        response: null,
        error: {
          code: "batch_expired",
          message:
            "This request could not be executed before the completion window expired.",
        },
      })),
    );
  });
});

describe("a part that keeps failing", () => {
  let down: TestEdge;
  afterAll(async () => {
    await down?.dispose();
  });

  it("is dead-lettered: its lines become 500 error lines and the batch still completes", async () => {
    // Nothing listens on port 9: every GPU call fails at once (503), so every attempt of the part does.
    down = await startEdge({
      gpuUrls: ["http://127.0.0.1:9"],
      stack,
      vars: {
        GPU_MAX_RETRIES: "0",
        INDEX_RETRY_DELAY_SECONDS: "0",
        BATCH_LINES_PER_MESSAGE: "2",
      },
    });
    const downClient = new OpenAI({
      apiKey: down.apiKey,
      baseURL: `${down.url}/v1`,
      maxRetries: 0,
      fetch: down.checkedFetch,
    });
    const lines = [
      request("d-0", { model: MODEL, input: "never reaches a GPU" }),
      request("d-1", { model: MODEL, input: ["a", "b"] }),
    ];
    const file = await downClient.files.create({
      file: await toFile(Buffer.from(jsonl(lines)), "down.jsonl"),
      purpose: "batch",
    });
    const created = await downClient.batches.create({
      input_file_id: file.id,
      endpoint: "/v1/embeddings",
      completion_window: "24h",
    });
    const batch = await waitFor(created.id, TERMINAL, downClient);
    expect(batch.status).toBe("completed");
    expect(batch.request_counts).toEqual({ total: 2, completed: 0, failed: 2 });
    expect(batch.output_file_id).toBeNull();
    const errorLines = await download(batch.error_file_id!, downClient);
    const error = {
      message:
        "This request could not be processed after every retry; submit it again.",
      type: "server_error",
      param: null,
      code: "batch_request_failed",
    };
    expect(
      errorLines.map((l) => [
        l.custom_id,
        l.response?.status_code,
        l.response?.body,
        l.error,
      ]),
    ).toEqual([
      ["d-0", 500, { error }, null],
      ["d-1", 500, { error }, null],
    ]);
    expect(
      down.logs.some((l) => l.includes("batch part attempt failed; retrying")),
    ).toBe(true);
  });
});
