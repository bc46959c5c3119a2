/**
 * The HTTP protocol around the API, through workerd: `GET /v1/models/{model}` (raw and
 * with the official `openai` client), request bodies in gzip and deflate (and refused
 * codings, bombs and truncated streams), `x-should-retry` on 429s no retry can fix, and
 * CORS on `/v1/*` for browsers (default `*` and a configured origin list).
 */
import { connect } from "node:net";
import { gzipSync, deflateSync } from "node:zlib";
import OpenAI from "openai";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startEdge, type TestEdge, type TestTenant } from "../support/edge";
import { startStandin, type Standin } from "../support/standin";
import { startCacheStack, type CacheStack } from "../support/cache-stack";

const MODEL = "Qwen3-Embedding-4B";
const HELLO = "Hello, my dog is cute"; // 7 tokens with end-of-text (limits-metering.test.ts checks the count)
const MODEL_OBJECT = {
  id: "Qwen3-Embedding-4B",
  object: "model",
  created: 1749081600,
  owned_by: "qwen",
};
const APP_ORIGIN = "https://app.example.com";

let standin: Standin;
let stack: CacheStack;
let edge: TestEdge;
/** The same Worker with CORS_ALLOWED_ORIGINS set to a list. */
let listEdge: TestEdge;

beforeAll(async () => {
  [standin, stack] = await Promise.all([startStandin({}), startCacheStack()]);
  edge = await startEdge({ gpuUrls: [standin.url], stack });
  listEdge = await startEdge({
    gpuUrls: [standin.url],
    stack,
    vars: { CORS_ALLOWED_ORIGINS: `${APP_ORIGIN}, http://localhost:3000` },
  });
});
afterAll(async () => {
  await Promise.all([edge?.dispose(), listEdge?.dispose()]);
  await Promise.all([standin?.close(), stack?.close()]);
});

function headersOf(res: Response): Record<string, string> {
  const out: Record<string, string> = {};
  res.headers.forEach((value, name) => (out[name] = value));
  return out;
}

/** POST /v1/embeddings with these exact body bytes. */
function postBytes(
  body: Uint8Array | string,
  headers: Record<string, string> = {},
) {
  return edge.fetch("/v1/embeddings", {
    method: "POST",
    headers: {
      authorization: `Bearer ${edge.apiKey}`,
      "content-type": "application/json",
      ...headers,
    },
    body: typeof body === "string" ? body : new Uint8Array(body),
  });
}

function getAs(
  path: string,
  apiKey = edge.apiKey,
  extra: Record<string, string> = {},
) {
  return edge.fetch(path, {
    headers: { authorization: `Bearer ${apiKey}`, ...extra },
  });
}

describe("GET /v1/models/{model}", () => {
  it("answers both model ids, the upstream one with its slash encoded or not, and 404 for others", async () => {
    for (const path of [
      "/v1/models/Qwen3-Embedding-4B",
      "/v1/models/Qwen%2FQwen3-Embedding-4B",
      "/v1/models/Qwen/Qwen3-Embedding-4B",
    ]) {
      const res = await getAs(path);
      expect(res.status, path).toBe(200);
      expect(res.headers.get("content-type")).toBe("application/json");
      expect(await res.json()).toEqual(MODEL_OBJECT);
    }
    const list = await getAs("/v1/models");
    expect(await list.json()).toEqual({ object: "list", data: [MODEL_OBJECT] });

    for (const [path, model] of [
      ["/v1/models/gpt-4", "gpt-4"],
      ["/v1/models/Qwen%2FQwen3-Embedding-8B", "Qwen/Qwen3-Embedding-8B"],
      ["/v1/models/Qwen/Qwen3-Embedding-8B", "Qwen/Qwen3-Embedding-8B"],
    ] as const) {
      const res = await getAs(path);
      expect(res.status, path).toBe(404);
      expect(await res.json()).toEqual({
        error: {
          message: `The model '${model}' does not exist or you do not have access to it.`,
          type: "invalid_request_error",
          param: "model",
          code: "model_not_found",
        },
      });
    }
  });

  it("works with the official openai client's models.retrieve", async () => {
    const client = new OpenAI({
      apiKey: edge.apiKey,
      baseURL: `${edge.url}/v1`,
      maxRetries: 0,
      fetch: edge.checkedFetch,
    });
    expect(await client.models.retrieve("Qwen3-Embedding-4B")).toEqual(
      MODEL_OBJECT,
    );
    expect(await client.models.retrieve("Qwen/Qwen3-Embedding-4B")).toEqual(
      MODEL_OBJECT,
    );
    const unknown = await client.models
      .retrieve("text-embedding-3-small")
      .catch((e: unknown) => e);
    expect(unknown).toBeInstanceOf(OpenAI.NotFoundError);
    expect(unknown).toMatchObject({
      status: 404,
      error: {
        message:
          "The model 'text-embedding-3-small' does not exist or you do not have access to it.",
        type: "invalid_request_error",
        param: "model",
        code: "model_not_found",
      },
    });
  });

  // The unencoded-slash form was served but hidden, and 500/503 were answered but not
  // documented: every served route and status is in the document now.
  it("is in the OpenAPI document, with its 404, as is the unencoded-slash form", async () => {
    const doc = (await (await edge.fetch("/openapi.json")).json()) as {
      paths: Record<
        string,
        Record<string, { responses: Record<string, unknown> }>
      >;
    };
    expect(
      Object.keys(doc.paths).filter((p) => p.startsWith("/v1/models")),
    ).toEqual([
      "/v1/models",
      "/v1/models/{model}",
      "/v1/models/{owner}/{name}",
    ]);
    for (const path of ["/v1/models/{model}", "/v1/models/{owner}/{name}"]) {
      expect(Object.keys(doc.paths[path]!.get!.responses)).toEqual([
        "200",
        "401",
        "403",
        "404",
        "500",
        "503",
      ]);
    }
  });
});

describe("request bodies in a Content-Encoding", () => {
  const request = {
    model: MODEL,
    input: ["compressed bodies", "decode to the same request"],
    encoding_format: "float",
  };
  const plain = JSON.stringify(request);

  it("decodes gzip and deflate into the same answer as the plain body; identity is the plain body", async () => {
    const expected = await postBytes(plain);
    expect(expected.status).toBe(200);
    const expectedBody = await expected.json();
    for (const [encoding, body] of [
      ["gzip", gzipSync(plain)],
      ["deflate", deflateSync(plain)],
      ["identity", Buffer.from(plain)],
      ["GZIP", gzipSync(plain)],
    ] as const) {
      const res = await postBytes(body, { "content-encoding": encoding });
      expect(res.status, encoding).toBe(200);
      expect(await res.json()).toEqual(expectedBody);
    }
  });

  it("decodes gzip on every JSON body route (admin API)", async () => {
    const res = await edge.fetch("/admin/v1/tenants", {
      method: "POST",
      headers: {
        authorization: "Bearer test-admin-token-0123456789abcdef",
        "content-type": "application/json",
        "content-encoding": "gzip",
      },
      body: new Uint8Array(gzipSync(JSON.stringify({ name: "gzip tenant" }))),
    });
    expect(res.status).toBe(201);
    expect(await res.json()).toMatchObject({
      name: "gzip tenant",
      status: "active",
    });
  });

  it("refuses a 20 KB gzip body that inflates past MAX_BODY_BYTES with 413", async () => {
    const bomb = gzipSync(
      `{"model":"${MODEL}","input":"${"a".repeat(20 * 1024 * 1024)}"}`,
    );
    expect(bomb.byteLength).toBeLessThan(32 * 1024);
    const res = await postBytes(bomb, { "content-encoding": "gzip" });
    expect(res.status).toBe(413);
    expect(await res.json()).toEqual({
      error: {
        message: "Request body too large: the limit is 8388608 bytes.",
        type: "invalid_request_error",
        param: null,
        code: "request_too_large",
      },
    });
  });

  it("refuses codings it does not decode with 415, before reading", async () => {
    for (const encoding of ["br", "zstd", "gzip, gzip", "compress"]) {
      const res = await postBytes(plain, { "content-encoding": encoding });
      expect(res.status, encoding).toBe(415);
      expect(await res.json()).toEqual({
        error: {
          message: `Unsupported Content-Encoding '${encoding}': send the body as is, or compressed with gzip or deflate.`,
          type: "invalid_request_error",
          param: null,
          code: "unsupported_content_encoding",
        },
      });
    }
  });

  it("answers a truncated gzip stream with 400, logged as a client event and not as a bug", async () => {
    const whole = gzipSync(plain);
    const requestId = "test-truncated-gzip";
    const res = await postBytes(whole.subarray(0, whole.byteLength - 12), {
      "content-encoding": "gzip",
      "x-request-id": requestId,
    });
    expect(res.status).toBe(400);
    expect(res.headers.get("x-request-id")).toBe(requestId);
    expect(await res.json()).toEqual({
      error: {
        message:
          "The request body could not be read to its end: the gzip data is truncated or corrupt.",
        type: "invalid_request_error",
        param: null,
        code: "invalid_body",
      },
    });
    await new Promise((r) => setTimeout(r, 200)); // workerd's stdout reaches the test over a pipe
    const lines = edge.logs
      .filter((l) => l.includes(requestId))
      .map(
        (l) => JSON.parse(l.slice(l.indexOf("{"))) as Record<string, unknown>,
      );
    expect(lines).toEqual([
      {
        level: "info",
        requestId,
        kind: "client",
        error: "invalid_body",
        cause: expect.any(String),
      },
    ]);
  });

  it("logs a client that disconnects mid-body as a client event, not as a bug", async () => {
    const requestId = "test-client-disconnect";
    const { hostname, port } = new URL(edge.url);
    const socket = connect(Number(port), hostname);
    await new Promise<void>((resolve) =>
      socket.once("connect", () => resolve()),
    );
    socket.write(
      `POST /v1/embeddings HTTP/1.1\r\nhost: ${hostname}:${port}\r\nauthorization: Bearer ${edge.apiKey}\r\n` +
        `content-type: application/json\r\ncontent-length: 100000\r\nx-request-id: ${requestId}\r\n\r\n{"model":"${MODEL}","input":"cut`,
    );
    await new Promise((r) => setTimeout(r, 300));
    socket.destroy();
    const deadline = Date.now() + 10_000;
    const linesOf = () =>
      edge.logs
        .filter((l) => l.includes(requestId))
        .map(
          (l) => JSON.parse(l.slice(l.indexOf("{"))) as Record<string, unknown>,
        );
    while (linesOf().length === 0 && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 100));
    expect(linesOf()).toEqual([
      {
        level: "info",
        requestId,
        kind: "client",
        error: "invalid_body",
        cause: expect.any(String),
      },
    ]);
  });
});

describe("x-should-retry on 429s that no retry can fix", () => {
  function embedAs(tenant: TestTenant, input: unknown) {
    return edge.embed(
      { model: MODEL, input },
      { authorization: `Bearer ${tenant.apiKey}` },
    );
  }

  it("one request over the tokens-per-minute limit on its own: x-should-retry false, no Retry-After", async () => {
    const tenant = await edge.newTenant({ plan: { tokens_per_minute: 5 } });
    const res = await embedAs(tenant, HELLO);
    expect(res.status).toBe(429);
    expect(res.headers.get("x-should-retry")).toBe("false");
    expect(res.headers.get("retry-after")).toBeNull();
    expect(res.headers.get("retry-after-ms")).toBeNull();
    expect(res.headers.get("x-ratelimit-limit-tokens")).toBe("5");
    expect(await res.json()).toEqual({
      error: {
        message: `Request too large for tokens per min (TPM) in tenant ${tenant.tenantId}: Limit 5, Requested 7. The input must be reduced in order to run successfully.`,
        type: "rate_limit_exceeded",
        param: null,
        code: "rate_limit_exceeded",
      },
    });
  });

  it("a monthly quota smaller than the request, and one used up: x-should-retry false, no Retry-After", async () => {
    const tiny = await edge.newTenant({ plan: { tokens_per_month: 5 } });
    const never = await embedAs(tiny, HELLO);
    expect(never.status).toBe(429);
    expect(never.headers.get("x-should-retry")).toBe("false");
    expect(never.headers.get("retry-after")).toBeNull();
    expect(never.headers.get("retry-after-ms")).toBeNull();
    expect(((await never.json()) as { error: unknown }).error).toEqual({
      message: `You exceeded your current quota, please check your plan and billing details. This request needs 7 tokens, more than the monthly quota of 5 tokens of tenant ${tiny.tenantId}.`,
      type: "insufficient_quota",
      param: null,
      code: "insufficient_quota",
    });

    const small = await edge.newTenant({ plan: { tokens_per_month: 10 } });
    expect((await embedAs(small, HELLO)).status).toBe(200);
    const over = await embedAs(small, HELLO);
    expect(over.status).toBe(429);
    expect(over.headers.get("x-should-retry")).toBe("false");
    expect(over.headers.get("retry-after")).toBeNull();
    expect(over.headers.get("retry-after-ms")).toBeNull();
    expect(
      ((await over.json()) as { error: { code: string; type: string } }).error,
    ).toMatchObject({ type: "insufficient_quota", code: "insufficient_quota" });
  });

  it("the openai client stops after one attempt on a final 429", async () => {
    const tenant = await edge.newTenant({ plan: { tokens_per_minute: 5 } });
    let calls = 0;
    const client = new OpenAI({
      apiKey: tenant.apiKey,
      baseURL: `${edge.url}/v1`,
      maxRetries: 3,
      fetch: (url, init) => {
        calls++;
        return edge.checkedFetch(url, init);
      },
    });
    await expect(
      client.embeddings.create({ model: MODEL, input: HELLO }),
    ).rejects.toMatchObject({ status: 429, code: "rate_limit_exceeded" });
    expect(calls).toBe(1);
  });

  it("a retryable 429 (requests per minute used up) keeps Retry-After and sends no x-should-retry", async () => {
    const tenant = await edge.newTenant({ plan: { requests_per_minute: 1 } });
    expect((await embedAs(tenant, "first")).status).toBe(200);
    const res = await embedAs(tenant, "second");
    expect(res.status).toBe(429);
    expect(res.headers.get("x-should-retry")).toBeNull();
    const seconds = Number(res.headers.get("retry-after"));
    const ms = Number(res.headers.get("retry-after-ms"));
    expect(seconds).toBeGreaterThanOrEqual(1);
    // Sliding windows count in one-second slots, so freed capacity can be up to 61 s away.
    expect(seconds).toBeLessThanOrEqual(61);
    expect(ms).toBeGreaterThan(0);
    expect(Math.ceil(ms / 1000)).toBe(seconds);
  });
});

const ALLOW_HEADERS =
  "authorization,content-type,content-encoding,cache-control,idempotency-key,x-request-id,openai-organization,openai-project," +
  "x-stainless-arch,x-stainless-custom-poll-interval,x-stainless-helper-method,x-stainless-lang,x-stainless-os," +
  "x-stainless-package-version,x-stainless-poll-helper,x-stainless-retry-count,x-stainless-runtime,x-stainless-runtime-version,x-stainless-timeout";
const EXPOSE_HEADERS =
  "x-request-id,x-cache,x-truncated-inputs,x-should-retry,server-timing,retry-after,retry-after-ms,x-ratelimit-limit-requests,x-ratelimit-limit-tokens," +
  "x-ratelimit-remaining-requests,x-ratelimit-remaining-tokens,x-ratelimit-reset-requests,x-ratelimit-reset-tokens,ratelimit,ratelimit-policy";

describe("CORS on /v1/*", () => {
  // Over real HTTP, as a browser sends it (Miniflare's dispatchFetch adds its own mf-* headers);
  // `accept-encoding: identity` keeps Miniflare's local server from labelling the empty body gzip.
  function preflight(
    target: TestEdge,
    origin: string,
    requestHeaders = "authorization,content-type",
  ) {
    return fetch(`${target.url}/v1/embeddings`, {
      method: "OPTIONS",
      headers: {
        origin,
        "access-control-request-method": "POST",
        "access-control-request-headers": requestHeaders,
        "accept-encoding": "identity",
      },
    });
  }

  it("answers a preflight with 204 and exactly the policy's headers", async () => {
    const res = await preflight(edge, APP_ORIGIN);
    expect(res.status).toBe(204);
    expect(await res.text()).toBe("");
    const {
      "x-request-id": id,
      "server-timing": timing,
      ...rest
    } = headersOf(res);
    expect(id).toMatch(/^req_[0-9a-f]{32}$/);
    expect(timing).toMatch(
      /^total;dur=\d+(\.\d+)?;desc="Total Response Time"$/,
    );
    expect(rest).toEqual({
      "access-control-allow-origin": "*",
      "access-control-allow-methods": "GET,HEAD,POST,DELETE",
      "access-control-allow-headers": ALLOW_HEADERS,
      "access-control-expose-headers": EXPOSE_HEADERS,
      "access-control-max-age": "7200",
      vary: "Origin, Access-Control-Request-Headers",
    });
    expect(rest).not.toHaveProperty("access-control-allow-credentials");
  });

  it("allows every header the official openai client sends", async () => {
    const sent = new Set<string>();
    const client = new OpenAI({
      apiKey: edge.apiKey,
      baseURL: `${edge.url}/v1`,
      maxRetries: 0,
      fetch: (url, init) => {
        new Headers(init?.headers).forEach((_, name) => sent.add(name));
        return edge.checkedFetch(url, init);
      },
    });
    await client.models.retrieve(MODEL);
    await client.embeddings.create({ model: MODEL, input: "browser headers" });
    // In a browser the client sends no User-Agent (src/client.ts), and Accept is CORS-safelisted.
    const needed = [...sent].filter(
      (name) => name !== "user-agent" && name !== "accept",
    );
    expect(needed).toEqual(
      expect.arrayContaining([
        "authorization",
        "content-type",
        "x-stainless-retry-count",
        "x-stainless-lang",
      ]),
    );
    const allowed = (
      await preflight(edge, APP_ORIGIN, needed.join(","))
    ).headers
      .get("access-control-allow-headers")!
      .split(",");
    expect(needed.filter((name) => !allowed.includes(name))).toEqual([]);
  });

  it("puts the headers on success and error responses alike", async () => {
    const ok = await edge.embed(
      { model: MODEL, input: "cors ok" },
      { origin: APP_ORIGIN },
    );
    expect(ok.status).toBe(200);
    const unauthorized = await edge.fetch("/v1/models", {
      headers: { origin: APP_ORIGIN },
    });
    expect(unauthorized.status).toBe(401);
    const tenant = await edge.newTenant({ plan: { requests_per_minute: 1 } });
    const limitedAs = () =>
      edge.embed(
        { model: MODEL, input: "cors 429" },
        { origin: APP_ORIGIN, authorization: `Bearer ${tenant.apiKey}` },
      );
    expect((await limitedAs()).status).toBe(200);
    const limited = await limitedAs();
    expect(limited.status).toBe(429);
    const missing = await getAs("/v1/nothing", edge.apiKey, {
      origin: APP_ORIGIN,
    });
    expect(missing.status).toBe(404);
    for (const res of [ok, unauthorized, limited, missing]) {
      expect(res.headers.get("access-control-allow-origin")).toBe("*");
      expect(res.headers.get("access-control-expose-headers")).toBe(
        EXPOSE_HEADERS,
      );
      expect(res.headers.get("access-control-allow-credentials")).toBeNull();
    }
    expect(await unauthorized.json()).toMatchObject({
      error: { type: "invalid_request_error", param: null, code: null },
    });
  });

  it("is not applied outside /v1", async () => {
    const res = await edge.fetch("/healthz", {
      headers: { origin: APP_ORIGIN },
    });
    expect(res.status).toBe(200);
    expect(res.headers.get("access-control-allow-origin")).toBeNull();
  });

  it("with CORS_ALLOWED_ORIGINS set, echoes a listed origin and gives another none", async () => {
    const allowedPreflight = await preflight(listEdge, "http://localhost:3000");
    expect(allowedPreflight.status).toBe(204);
    expect(allowedPreflight.headers.get("access-control-allow-origin")).toBe(
      "http://localhost:3000",
    );
    expect(allowedPreflight.headers.get("vary")).toBe(
      "Origin, Access-Control-Request-Headers",
    );

    const allowed = await listEdge.fetch("/v1/models", {
      headers: {
        origin: APP_ORIGIN,
        authorization: `Bearer ${listEdge.apiKey}`,
      },
    });
    expect(allowed.status).toBe(200);
    expect(allowed.headers.get("access-control-allow-origin")).toBe(APP_ORIGIN);
    expect(allowed.headers.get("vary")).toBe("Origin");

    const refusedPreflight = await preflight(listEdge, "https://evil.example");
    expect(
      refusedPreflight.headers.get("access-control-allow-origin"),
    ).toBeNull();
    const refused = await listEdge.fetch("/v1/models", {
      headers: {
        origin: "https://evil.example",
        authorization: `Bearer ${listEdge.apiKey}`,
      },
    });
    expect(refused.status).toBe(200);
    expect(refused.headers.get("access-control-allow-origin")).toBeNull();
  });
});
