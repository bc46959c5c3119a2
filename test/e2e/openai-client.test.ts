/**
 * End to end: `npm start`'s stack (wrangler dev + the CPU stand-in), driven by the
 * official `openai` npm client the way tenants use it: its default base64 path, float,
 * and `dimensions`. Also checks that SIGTERM stops every child.
 */
import { spawn, type ChildProcess } from "node:child_process";
import path from "node:path";
import OpenAI, { toFile } from "openai";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { REPO_ROOT } from "../../infra/local/build-worker";
import { freePort } from "../../infra/local/free-port";
import { qwen3TokenCount } from "../support/qwen3-count";
import { renormalizedPrefix } from "../support/served-vector";

const KEY = "sk_test_e2eE2Ee2eE2Ee2eE_0123456789abcdefghijABCDEFGHIJ01";
let stack: ChildProcess;
let output = "";
let baseURL: string;

beforeAll(async () => {
  const port = await freePort();
  baseURL = `http://127.0.0.1:${port}/v1`;
  stack = spawn(
    path.join(REPO_ROOT, "node_modules/.bin/tsx"),
    [path.join(REPO_ROOT, "infra/local/start.ts")],
    {
      env: {
        ...process.env,
        PORT: String(port),
        DEV_API_KEY: KEY,
        GPU_WORKER_URLS: "",
      },
      stdio: ["ignore", "pipe", "pipe"],
    },
  );
  stack.stdout!.on("data", (d: Buffer) => (output += d.toString()));
  stack.stderr!.on("data", (d: Buffer) => (output += d.toString()));
  const deadline = Date.now() + 100_000;
  while (!output.includes("=== local stack ready ===")) {
    if (stack.exitCode !== null)
      throw new Error(`npm start exited early:\n${output}`);
    if (Date.now() > deadline)
      throw new Error(`npm start not ready:\n${output}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}, 120_000);

afterAll(async () => {
  if (stack && stack.exitCode === null) stack.kill("SIGTERM");
});

describe("the official openai client against npm start", () => {
  it("prints the base URL, the key and the stand-in warning", () => {
    expect(output).toContain(`base URL:     ${baseURL}`);
    expect(output).toContain(`API key:      ${KEY}   (tenant ten_`);
    expect(output).toMatch(/admin token: {2}adm_[A-Za-z0-9_-]{32} /);
    expect(output).toContain("NOT Qwen3-Embedding-4B");
  });

  it("decodes its default base64 answer into the same vectors as float", async () => {
    const client = new OpenAI({ apiKey: KEY, baseURL, maxRetries: 0 });
    const input = [
      "The quick brown fox jumps over the lazy dog",
      "Embeddings at the edge",
    ];
    const viaDefault = await client.embeddings.create({
      model: "Qwen3-Embedding-4B",
      input,
    });
    const viaFloat = await client.embeddings.create({
      model: "Qwen3-Embedding-4B",
      input,
      encoding_format: "float",
    });
    expect(viaDefault.model).toBe("Qwen3-Embedding-4B");
    expect(viaDefault.data.map((d) => d.index)).toEqual([0, 1]);
    expect(viaDefault.data[0]!.embedding).toHaveLength(2560);
    expect(viaDefault.data.map((d) => d.embedding)).toEqual(
      viaFloat.data.map((d) => d.embedding),
    );
    const tokens =
      (await qwen3TokenCount(input[0]!)) + (await qwen3TokenCount(input[1]!));
    expect(viaDefault.usage).toEqual({
      prompt_tokens: tokens,
      total_tokens: tokens,
    });
  });

  it("honours dimensions: the prefix of the full vector, renormalised", async () => {
    const client = new OpenAI({ apiKey: KEY, baseURL, maxRetries: 0 });
    const text = "Matryoshka representation learning";
    const full = await client.embeddings.create({
      model: "Qwen3-Embedding-4B",
      input: text,
      encoding_format: "float",
    });
    const short = await client.embeddings.create({
      model: "Qwen3-Embedding-4B",
      input: text,
      dimensions: 256,
    });
    expect(short.data[0]!.embedding).toHaveLength(256);
    const expected = renormalizedPrefix(
      new Float32Array(full.data[0]!.embedding),
      256,
    );
    expect(new Float32Array(short.data[0]!.embedding)).toEqual(expected);
  });

  it("surfaces our errors through the client's typed exceptions", async () => {
    const bad = new OpenAI({
      apiKey: "sk_wrong_key_000000",
      baseURL,
      maxRetries: 0,
    });
    await expect(
      bad.embeddings.create({ model: "Qwen3-Embedding-4B", input: "x" }),
    ).rejects.toMatchObject({
      status: 401,
      code: "invalid_api_key",
      type: "invalid_request_error",
    });
    const client = new OpenAI({ apiKey: KEY, baseURL, maxRetries: 0 });
    await expect(
      client.embeddings.create({ model: "gpt-4", input: "x" }),
    ).rejects.toMatchObject({
      status: 404,
      code: "model_not_found",
      param: "model",
    });
  });

  it("runs a batch with the dev key: wrangler dev's queue, Durable Object and R2, same vectors as online", async () => {
    const client = new OpenAI({ apiKey: KEY, baseURL, maxRetries: 0 });
    const body = {
      model: "Qwen3-Embedding-4B",
      input: ["batch through npm start", "second input"],
      encoding_format: "float" as const,
    };
    const jsonl = `${JSON.stringify({ custom_id: "only", method: "POST", url: "/v1/embeddings", body })}\n`;
    const file = await client.files.create({
      file: await toFile(Buffer.from(jsonl), "dev.jsonl"),
      purpose: "batch",
    });
    let batch = await client.batches.create({
      input_file_id: file.id,
      endpoint: "/v1/embeddings",
      completion_window: "24h",
    });
    for (
      const until = Date.now() + 60_000;
      !["completed", "failed", "expired", "cancelled"].includes(batch.status) &&
      Date.now() < until;
    ) {
      await new Promise((r) => setTimeout(r, 100));
      batch = await client.batches.retrieve(batch.id);
    }
    expect(batch).toMatchObject({
      status: "completed",
      request_counts: { total: 1, completed: 1, failed: 0 },
      error_file_id: null,
    });
    const line = JSON.parse(
      await (await client.files.content(batch.output_file_id!)).text(),
    ) as { response: { body: { data: { embedding: number[] }[] } } };
    const online = await client.embeddings.create(body);
    expect(line.response.body.data.map((d) => d.embedding)).toEqual(
      online.data.map((d) => d.embedding),
    );
  });

  it("stops every child on SIGTERM", async () => {
    const exited = new Promise<number | null>((resolve) =>
      stack.once("exit", (code) => resolve(code)),
    );
    stack.kill("SIGTERM");
    expect(await exited).toBe(0);
    await expect(
      fetch(`${baseURL}/models`, { signal: AbortSignal.timeout(2000) }),
    ).rejects.toThrow();
  });
});
