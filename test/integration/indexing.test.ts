/**
 * Webhook-triggered indexing through workerd: Standard Webhooks in and out (verified
 * with the real `standardwebhooks` package), the per-tenant Durable Object, the index
 * queue and its dead-letter queue, R2 results, the stand-in GPU counting every input
 * and every bulk call, and local HTTP servers as document hosts and callback receivers.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { Webhook } from "standardwebhooks";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { startEdge, type TestEdge, type TestTenant } from "../support/edge";
import { startStandin, type Standin } from "../support/standin";
import { startCacheStack, type CacheStack } from "../support/cache-stack";
import { startFakeDoh, type FakeDoh } from "../support/fake-doh";
import {
  codePointSlice,
  createJob,
  getJob,
  readResults,
  startLocalServer,
  waitForJob,
  type JobBody,
  type LocalServer,
} from "../support/indexing";
import { qwen3TokenCount } from "../support/qwen3-count";
import { chunkText } from "../../workers/indexing/chunker";

const MODEL = "Qwen3-Embedding-4B";
const SMALL_CHUNKS = { max_tokens: 48, overlap_tokens: 12 };

let standin: Standin;
let stack: CacheStack;
let edge: TestEdge;
let other: TestTenant;
let secret: string;
let doh: FakeDoh;
const servers: LocalServer[] = [];

const LOCAL_VARS = {
  INDEX_ALLOW_LOOPBACK_URLS: "on",
  INDEX_CALLBACK_RETRY_SCHEDULE: "100ms,100ms,100ms",
  INDEX_CALLBACK_TIMEOUT_MS: "2000",
  INDEX_RETRY_DELAY_SECONDS: "0",
  INDEX_FETCH_TIMEOUT_MS: "3000",
};

beforeAll(async () => {
  // workerd cannot reach the Internet: host names are looked up at this fake DoH server.
  [standin, stack, doh] = await Promise.all([
    startStandin({}),
    startCacheStack(),
    startFakeDoh({
      "intranet.example.com": { A: ["93.184.216.34", "10.0.0.5"], AAAA: [] },
      "rebound.example.com": {
        CNAME: "metadata.example.net",
        A: ["169.254.169.254"],
      },
      "broken.example.com": "servfail",
    }),
  ]);
  edge = await startEdge({
    gpuUrls: [standin.url],
    stack,
    vars: { ...LOCAL_VARS, INDEX_DOH_URL: doh.url },
  });
  other = await edge.newTenant({ name: "other tenant" });
  const rotated = await edge.admin(
    "POST",
    `/tenants/${edge.tenant.tenantId}/webhook-secret`,
    {},
  );
  expect(rotated.status).toBe(201);
  secret = ((await rotated.json()) as { secret: string }).secret;
});
afterAll(async () => {
  await Promise.all(servers.map((s) => s.close()));
  await edge?.dispose();
  await Promise.all([standin?.close(), stack?.close(), doh?.close()]);
});
beforeEach(() => standin.resetStats());

let unique = 0;
const fresh = (label: string) => `${label} ${Date.now()}-${unique++}`;

function paragraphs(label: string, count: number): string {
  return Array.from(
    { length: count },
    (_, p) =>
      `${label} paragraph ${p}. The quick brown fox of ${label} jumps over the lazy dog near river ${p}. ` +
      `Indexing pipelines split ${label} on paragraph and sentence boundaries, then embed each chunk.`,
  ).join("\n\n");
}

function signedHeaders(
  body: string,
  id = `msg_${fresh("wh").replace(/\W/g, "")}`,
  at = new Date(),
  key = secret,
) {
  const signature = new Webhook(key).sign(id, at, body);
  return {
    "webhook-id": id,
    "webhook-timestamp": String(Math.floor(at.getTime() / 1000)),
    "webhook-signature": signature,
  };
}

function postWebhook(
  body: string,
  headers: Record<string, string>,
  tenantId = edge.tenant.tenantId,
): Promise<Response> {
  return edge.fetch(`/v1/index/jobs?tenant=${tenantId}`, {
    method: "POST",
    headers: { "content-type": "application/json", ...headers },
    body,
  });
}

async function embedAsOther(
  texts: string[],
  dimensions?: number,
): Promise<string[]> {
  const res = await edge.fetch("/v1/embeddings", {
    method: "POST",
    headers: {
      authorization: `Bearer ${other.apiKey}`,
      "content-type": "application/json",
    },
    body: JSON.stringify({
      model: MODEL,
      input: texts,
      encoding_format: "base64",
      ...(dimensions ? { dimensions } : {}),
    }),
  });
  expect(res.status).toBe(200);
  return ((await res.json()) as { data: { embedding: string }[] }).data.map(
    (d) => d.embedding,
  );
}

async function startedJob(
  body: unknown,
  apiKey = edge.apiKey,
  target = edge,
): Promise<JobBody> {
  const res = await createJob(target, apiKey, body);
  expect(res.status, await res.clone().text()).toBe(202);
  return (await res.json()) as JobBody;
}

describe("inbound: API key or Standard Webhooks signature", () => {
  it("accepts a signed webhook and answers 202 with the queued job at once", async () => {
    const body = JSON.stringify({
      documents: [{ id: "doc-1", text: fresh("signed webhook document") }],
    });
    const res = await postWebhook(body, signedHeaders(body));
    expect(res.status).toBe(202);
    const job = (await res.json()) as JobBody;
    expect(res.headers.get("location")).toBe(`/v1/index/jobs/${job.id}`);
    expect(job).toMatchObject({
      object: "index.job",
      status: "queued",
      counts: { documents: 1, documents_processed: 0, chunks: 0, failed: 0 },
    });
    expect(job.id).toMatch(/^job_[0-9a-f]{12}[0-9A-Za-z]{16}$/);
    expect((await waitForJob(edge, edge.apiKey, job.id)).status).toBe(
      "completed",
    );
  });

  it("refuses a bad signature, a body changed after signing, and another tenant's secret", async () => {
    const body = JSON.stringify({ documents: [{ id: "d", text: "x" }] });
    const headers = signedHeaders(body);
    const envelope = {
      error: {
        message: "The webhook signature is not valid for this tenant.",
        type: "invalid_request_error",
        param: null,
        code: "invalid_webhook_signature",
      },
    };
    const tampered = await postWebhook(body.replace('"x"', '"y"'), headers);
    expect(tampered.status).toBe(401);
    expect(await tampered.json()).toEqual(envelope);
    const forged = await postWebhook(body, {
      ...headers,
      "webhook-signature": "v1,AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=",
    });
    expect(await forged.json()).toEqual(envelope);
    const wrongTenant = await postWebhook(body, headers, other.tenantId);
    expect(wrongTenant.status).toBe(401);
    expect(await wrongTenant.json()).toEqual(envelope);
  });

  it("refuses a correctly signed webhook whose timestamp is more than 5 minutes old", async () => {
    const body = JSON.stringify({ documents: [{ id: "d", text: "old" }] });
    const res = await postWebhook(
      body,
      signedHeaders(body, "msg_old", new Date(Date.now() - 6 * 60_000)),
    );
    expect(res.status).toBe(401);
    expect(await res.json()).toEqual({
      error: {
        message:
          "The webhook timestamp is more than 5 minutes from now; refusing a possible replay.",
        type: "invalid_request_error",
        param: null,
        code: "webhook_timestamp_out_of_tolerance",
      },
    });
  });

  it("answers a replayed webhook-id with the same job and never creates a second one", async () => {
    const body = JSON.stringify({
      documents: [{ id: "replayed", text: fresh("replayed webhook") }],
    });
    const headers = signedHeaders(body);
    const first = await postWebhook(body, headers);
    const again = await postWebhook(body, headers);
    expect([first.status, again.status]).toEqual([202, 202]);
    const [a, b] = [
      (await first.json()) as JobBody,
      (await again.json()) as JobBody,
    ];
    expect(b.id).toBe(a.id);
    expect(again.headers.get("idempotent-replayed")).toBe("true");
    expect(first.headers.get("idempotent-replayed")).toBeNull();
    const list = await edge.fetch("/v1/index/jobs?limit=100", {
      headers: { authorization: `Bearer ${edge.apiKey}` },
    });
    const ids = ((await list.json()) as { data: JobBody[] }).data.map(
      (j) => j.id,
    );
    expect(ids.filter((id) => id === a.id)).toHaveLength(1);
  });

  it("ignores an unsigned Idempotency-Key or query parameter added to a captured signed request: same job, no second one", async () => {
    const body = JSON.stringify({
      documents: [{ id: "captured", text: fresh("captured webhook") }],
    });
    const headers = signedHeaders(body);
    const listIds = async () => {
      const list = await edge.fetch("/v1/index/jobs?limit=100", {
        headers: { authorization: `Bearer ${edge.apiKey}` },
      });
      return ((await list.json()) as { data: JobBody[] }).data.map((j) => j.id);
    };
    const before = await listIds();
    const first = await postWebhook(body, headers);
    expect(first.status).toBe(202);
    const job = (await first.json()) as JobBody;
    const replays = [
      await postWebhook(body, { ...headers, "idempotency-key": "attacker-1" }),
      await postWebhook(body, { ...headers, "idempotency-key": "attacker-2" }),
      await edge.fetch(
        `/v1/index/jobs?tenant=${edge.tenant.tenantId}&dimensions=64&idempotency_key=x`,
        {
          method: "POST",
          headers: {
            "content-type": "application/json",
            "idempotency-key": "attacker-3",
            ...headers,
          },
          body,
        },
      ),
    ];
    for (const replay of replays) {
      expect(replay.status).toBe(202);
      expect(replay.headers.get("idempotent-replayed")).toBe("true");
      expect(replay.headers.get("location")).toBe(`/v1/index/jobs/${job.id}`);
      expect(((await replay.json()) as JobBody).id).toBe(job.id);
    }
    const after = await listIds();
    expect(after.filter((id) => !before.includes(id))).toEqual([job.id]);
  });

  it("makes Idempotency-Key retries return the same job, and refuses the key with another body (409)", async () => {
    const key = fresh("idem").replace(/\s/g, "-");
    const body = { documents: [{ id: "a", text: fresh("idempotent") }] };
    const [first, second] = await Promise.all([
      createJob(edge, edge.apiKey, body, { "idempotency-key": key }),
      createJob(edge, edge.apiKey, body, { "idempotency-key": key }),
    ]);
    expect([first.status, second.status]).toEqual([202, 202]);
    expect(((await first.json()) as JobBody).id).toBe(
      ((await second.json()) as JobBody).id,
    );
    const changed = await createJob(
      edge,
      edge.apiKey,
      { documents: [{ id: "a", text: "something else" }] },
      { "idempotency-key": key },
    );
    expect(changed.status).toBe(409);
    expect(await changed.json()).toEqual({
      error: {
        message:
          "This idempotency key was already used with a different request body.",
        type: "invalid_request_error",
        param: null,
        code: "idempotency_key_reused",
      },
    });
  });

  it("needs the index scope for API keys", async () => {
    const embedOnly = await edge.newTenant({ scopes: ["embed"] });
    const res = await createJob(edge, embedOnly.apiKey, {
      documents: [{ id: "a", text: "b" }],
    });
    expect(res.status).toBe(403);
    expect(await res.json()).toEqual({
      error: {
        message: "This API key does not have the 'index' scope.",
        type: "invalid_request_error",
        param: null,
        code: "insufficient_permissions",
      },
    });
  });
});

describe("job limits and validation", () => {
  it.each([
    [{ documents: [] }, "'documents' cannot be empty.", "documents", null],
    [
      { documents: [{ id: "a" }] },
      "Each document needs exactly one of 'text' or 'url'.",
      "documents[0].text",
      null,
    ],
    [
      { documents: [{ id: "a", text: "t", url: "https://example.com" }] },
      "Each document needs exactly one of 'text' or 'url'.",
      "documents[0].text",
      null,
    ],
    [
      {
        documents: [
          { id: "a", text: "t" },
          { id: "a", text: "u" },
        ],
      },
      "Document id 'a' appears more than once.",
      "documents[1].id",
      null,
    ],
    [
      {
        documents: [{ id: "a", text: "t" }],
        chunking: { max_tokens: 100, overlap_tokens: 60 },
      },
      "'overlap_tokens' must be at most half of 'max_tokens'.",
      "chunking.overlap_tokens",
      null,
    ],
    [
      {
        documents: [{ id: "a", text: "t" }],
        chunking: { max_tokens: 8, overlap_tokens: 0 },
      },
      "'max_tokens' must be an integer between 32 and 8192.",
      "chunking.max_tokens",
      null,
    ],
    [
      { documents: [{ id: "a", text: "t" }], dimensions: 8 },
      "'dimensions' must be an integer between 32 and 2560.",
      "dimensions",
      null,
    ],
    [
      { documents: [{ id: "a", text: "t" }], colour: "red" },
      "Unrecognized request argument supplied: colour",
      "colour",
      null,
    ],
  ])("400 for %j", async (body, message, param, code) => {
    const res = await createJob(edge, edge.apiKey, body);
    expect(res.status).toBe(400);
    expect(await res.json()).toEqual({
      error: { message, type: "invalid_request_error", param, code },
    });
  });

  it("enforces documents per job (400), bytes per document (413) and bytes per job (413)", async () => {
    const small = await startEdge({
      gpuUrls: [standin.url],
      stack,
      vars: {
        ...LOCAL_VARS,
        INDEX_MAX_DOCUMENTS: "2",
        INDEX_MAX_DOCUMENT_BYTES: "1024",
        INDEX_MAX_JOB_BYTES: "4096",
      },
    });
    try {
      const tooMany = await createJob(small, small.apiKey, {
        documents: [1, 2, 3].map((i) => ({ id: `d${i}`, text: "t" })),
      });
      expect(tooMany.status).toBe(400);
      expect(await tooMany.json()).toEqual({
        error: {
          message: "A job may have at most 2 documents; got 3.",
          type: "invalid_request_error",
          param: "documents",
          code: null,
        },
      });
      const bigDoc = await createJob(small, small.apiKey, {
        documents: [{ id: "d", text: "é".repeat(513) }],
      });
      expect(bigDoc.status).toBe(413);
      expect(await bigDoc.json()).toEqual({
        error: {
          message: "Document 0 is larger than the limit of 1024 bytes.",
          type: "invalid_request_error",
          param: "documents[0].text",
          code: "document_too_large",
        },
      });
      const bigJob = await createJob(small, small.apiKey, {
        documents: [{ id: "d", text: "x".repeat(5000) }],
      });
      expect(bigJob.status).toBe(413);
      expect(await bigJob.json()).toEqual({
        error: {
          message: "Request body too large: the limit is 4096 bytes.",
          type: "invalid_request_error",
          param: null,
          code: "request_too_large",
        },
      });
    } finally {
      await small.dispose();
    }
  });

  it("refuses a callback_url while the tenant has no signing secret", async () => {
    const res = await createJob(edge, other.apiKey, {
      documents: [{ id: "a", text: "b" }],
      callback_url: "https://hooks.example.com/x",
    });
    expect(res.status).toBe(400);
    expect(await res.json()).toEqual({
      error: {
        message:
          "A callback is signed with the tenant's webhook signing secret, and this tenant has none yet: ask your administrator to create one.",
        type: "invalid_request_error",
        param: "callback_url",
        code: "webhook_secret_required",
      },
    });
  });
});

describe("SSRF: document and callback addresses", () => {
  let strict: TestEdge;
  beforeAll(async () => {
    strict = await startEdge({
      gpuUrls: [standin.url],
      stack,
      vars: { INDEX_RETRY_DELAY_SECONDS: "0" },
    });
  });
  afterAll(() => strict?.dispose());

  it.each([
    [
      "http://127.0.0.1/doc",
      "URL names a non-public address (127.0.0.1: loopback)",
    ],
    [
      "http://169.254.169.254/latest/meta-data/",
      "URL names a non-public address (169.254.169.254: linkLocal)",
    ],
    ["http://[::1]/doc", "URL names a non-public address (::1: loopback)"],
    [
      "https://10.0.0.8/doc",
      "URL names a non-public address (10.0.0.8: private)",
    ],
    [
      "https://[64:ff9b::a9fe:a9fe]/doc",
      "URL names a non-public address (64:ff9b::a9fe:a9fe: rfc6052)",
    ],
    [
      "https://metadata/computeMetadata/v1/",
      "URL names a host outside the public DNS (metadata)",
    ],
    [
      "https://kubernetes.default.svc/api",
      "URL names a host outside the public DNS (kubernetes.default.svc)",
    ],
    [
      "https://router.home.arpa/",
      "URL names a special-use domain (router.home.arpa)",
    ],
    ["https://example.com./doc", "URL host has an empty label (example.com.)"],
    ["http://example.com/doc", "URL must use https"],
  ])("refuses document url %s with a 400", async (url, reason) => {
    const res = await createJob(strict, strict.apiKey, {
      documents: [{ id: "a", url }],
    });
    expect(res.status).toBe(400);
    expect(await res.json()).toEqual({
      error: {
        message: `Document URL refused: ${reason}.`,
        type: "invalid_request_error",
        param: "documents[0].url",
        code: "url_not_allowed",
      },
    });
  });

  it("refuses a callback_url on a loopback address", async () => {
    const res = await createJob(strict, strict.apiKey, {
      documents: [{ id: "a", text: "b" }],
      callback_url: "http://127.0.0.1:9/hook",
    });
    expect(res.status).toBe(400);
    expect(await res.json()).toEqual({
      error: {
        message:
          "Callback URL refused: URL names a non-public address (127.0.0.1: loopback).",
        type: "invalid_request_error",
        param: "callback_url",
        code: "url_not_allowed",
      },
    });
  });

  it("re-checks redirects: a document host redirecting to a private address fails that document", async () => {
    const host = await startLocalServer((req, res) => {
      if (req.path === "/meta")
        res
          .writeHead(302, {
            location: "http://169.254.169.254/latest/meta-data/",
          })
          .end();
      else if (req.path === "/private")
        res.writeHead(307, { location: "https://192.168.1.10/secret" }).end();
      else
        res
          .writeHead(200, { "content-type": "text/plain" })
          .end("a fine public document");
    });
    servers.push(host);
    const job = await startedJob({
      documents: [
        { id: "meta", url: `${host.url}/meta` },
        { id: "private", url: `${host.url}/private` },
        { id: "ok", url: `${host.url}/ok` },
      ],
    });
    const done = await waitForJob(edge, edge.apiKey, job.id);
    expect(done.status).toBe("completed");
    expect(done.counts).toEqual({
      documents: 3,
      documents_processed: 3,
      chunks: 1,
      chunks_from_cache: 0,
      chunks_computed: 1,
      failed: 2,
    });
    expect(done.last_error?.code).toBe("document_fetch_refused");
    expect(host.requests.map((r) => r.path).sort()).toEqual([
      "/meta",
      "/ok",
      "/private",
    ]);
    const lines = await readResults(edge, edge.apiKey, job.id);
    expect(lines.map((l) => l.document_id)).toEqual(["ok"]);
  });
});

describe("SSRF: what document host names resolve to (DNS over HTTPS, a fake server on 127.0.0.1)", () => {
  const refusedJob = async (url: string) => {
    const job = await startedJob({ documents: [{ id: "d", url }] });
    const done = await waitForJob(edge, edge.apiKey, job.id);
    return {
      status: done.status,
      counts: done.counts,
      last_error: done.last_error,
    };
  };
  const failedOne = {
    documents: 1,
    documents_processed: 1,
    chunks: 0,
    chunks_from_cache: 0,
    chunks_computed: 0,
    failed: 1,
  };

  // A job whose only document fails is itself failed.
  it("fails a document whose host resolves to a private address, asking A and AAAA over DoH", async () => {
    const before = doh.queries().length;
    expect(await refusedJob("https://intranet.example.com/doc.txt")).toEqual({
      status: "failed",
      counts: failedOne,
      last_error: {
        code: "document_fetch_refused",
        message:
          "document 0: fetching the document was refused: intranet.example.com resolves to a non-public address (10.0.0.5: private)",
      },
    });
    expect(doh.queries().slice(before).sort()).toEqual([
      "A intranet.example.com application/dns-json",
      "AAAA intranet.example.com application/dns-json",
    ]);
  });

  it("fails a document whose redirect leads to a name that resolves (through a CNAME) to the metadata address", async () => {
    const host = await startLocalServer((_req, res) =>
      res
        .writeHead(302, {
          location: "https://rebound.example.com/latest/meta-data/",
        })
        .end(),
    );
    servers.push(host);
    expect(await refusedJob(`${host.url}/doc`)).toEqual({
      status: "failed",
      counts: failedOne,
      last_error: {
        code: "document_fetch_refused",
        message:
          "document 0: fetching the document was refused: redirect to https://rebound.example.com/latest/meta-data/ refused: " +
          "rebound.example.com resolves to a non-public address (169.254.169.254: linkLocal)",
      },
    });
    expect(host.requests.map((r) => r.path)).toEqual(["/doc"]);
  });

  it("fails closed when the lookup fails: retried, then the job fails with the DNS reason", async () => {
    const before = doh.queries().length;
    expect(await refusedJob("https://broken.example.com/doc.txt")).toEqual({
      status: "failed",
      // The dead-letter consumer fails the job; the document never reached an outcome.
      counts: { ...failedOne, documents_processed: 0, failed: 0 },
      last_error: {
        code: "document_failed",
        message:
          "Document 0 could not be indexed after every retry. Last error: document 0: fetching the document failed: " +
          "DNS lookup for broken.example.com failed (DNS over HTTPS lookup failed with status 2); refusing a host that could not be checked",
      },
    });
    // First delivery plus maxRetries (2, test/support/edge.ts) redeliveries, each asking A and AAAA.
    expect(doh.queries().slice(before)).toHaveLength(6);
  });
});

describe("a job from queue to results", () => {
  it("runs a 3-document job to completed; every chunk's span, token count and vector is exact", async () => {
    const docs = [0, 1, 2].map((d) => ({
      id: `doc-${d}`,
      text: paragraphs(fresh(`document ${d}`), 3 + d),
      metadata: { n: d },
    }));
    const job = await startedJob({
      documents: docs,
      chunking: SMALL_CHUNKS,
      dimensions: 256,
    });
    const done = await waitForJob(edge, edge.apiKey, job.id);
    expect(done.status).toBe("completed");
    const lines = await readResults(edge, edge.apiKey, job.id);

    expect(done.counts.chunks).toBe(lines.length);
    expect(done.counts).toMatchObject({
      documents: 3,
      documents_processed: 3,
      failed: 0,
      chunks_from_cache: 0,
      chunks_computed: lines.length,
    });
    expect([...new Set(lines.map((l) => l.document_id))]).toEqual([
      "doc-0",
      "doc-1",
      "doc-2",
    ]);
    const texts: string[] = [];
    for (const doc of docs) {
      const mine = lines.filter((l) => l.document_id === doc.id);
      expect(mine.map((l) => l.chunk_index)).toEqual(mine.map((_, i) => i));
      expect(mine.length).toBeGreaterThan(1);
      expect(mine[0]!.start).toBe(0);
      expect(mine.at(-1)!.end).toBe([...doc.text].length);
      for (const line of mine) {
        const text = codePointSlice(doc.text, line.start, line.end);
        expect(line.token_count).toBe(await qwen3TokenCount(text));
        expect(line.token_count).toBeLessThanOrEqual(SMALL_CHUNKS.max_tokens);
        expect(line.metadata).toEqual(doc.metadata);
        texts.push(text);
      }
    }
    // The same chunk texts through /v1/embeddings, for a tenant whose cache has never seen them.
    expect(lines.map((l) => l.embedding)).toEqual(
      await embedAsOther(texts, 256),
    );
    expect(Buffer.from(lines[0]!.embedding, "base64").byteLength).toBe(256 * 4);
    expect(standin.stats().lanes.bulk?.calls).toBeGreaterThan(0);
  });

  it("re-indexing after one paragraph changed computes only the chunks whose text changed", async () => {
    const label = fresh("reindex");
    const original = paragraphs(label, 8);
    const edited = original.replace(
      `${label} paragraph 5.`,
      `${label} paragraph 5, now rewritten by an editor.`,
    );
    const first = await waitForJob(
      edge,
      edge.apiKey,
      (
        await startedJob({
          documents: [{ id: "page", text: original }],
          chunking: SMALL_CHUNKS,
        })
      ).id,
    );
    const before = await readResults(edge, edge.apiKey, first.id);
    standin.resetStats();
    const second = await waitForJob(
      edge,
      edge.apiKey,
      (
        await startedJob({
          documents: [{ id: "page", text: edited }],
          chunking: SMALL_CHUNKS,
        })
      ).id,
    );
    const after = await readResults(edge, edge.apiKey, second.id);

    const oldTexts = new Set(
      before.map((l) => codePointSlice(original, l.start, l.end)),
    );
    const changed = after
      .map((l) => codePointSlice(edited, l.start, l.end))
      .filter((t) => !oldTexts.has(t));
    expect(changed.length).toBeGreaterThan(0);
    expect(changed.length).toBeLessThan(after.length);
    expect(second.counts).toMatchObject({
      chunks: after.length,
      chunks_computed: changed.length,
      chunks_from_cache: after.length - changed.length,
    });
    expect(standin.stats().recent.flatMap((c) => c.inputs)).toEqual(changed);
  });

  it("lists the tenant's jobs newest first with cursors, and never another tenant's", async () => {
    const ids: string[] = [];
    for (let i = 0; i < 3; i++)
      ids.push(
        (
          await startedJob(
            { documents: [{ id: "x", text: fresh("list") }] },
            other.apiKey,
          )
        ).id,
      );
    const page = async (query: string) =>
      (await (
        await edge.fetch(`/v1/index/jobs${query}`, {
          headers: { authorization: `Bearer ${other.apiKey}` },
        })
      ).json()) as {
        object: string;
        data: JobBody[];
        first_id: string;
        last_id: string;
        has_more: boolean;
      };
    const first = await page("?limit=2");
    expect(first).toMatchObject({
      object: "list",
      first_id: ids[2],
      last_id: ids[1],
      has_more: true,
    });
    expect(first.data.map((j) => j.id)).toEqual([ids[2], ids[1]]);
    const second = await page(`?limit=2&after=${ids[1]}`);
    expect(second.data.map((j) => j.id)).toEqual([ids[0]]);
    expect(second.has_more).toBe(false);
    const mine = await edge.fetch(`/v1/index/jobs/${ids[0]}`, {
      headers: { authorization: `Bearer ${edge.apiKey}` },
    });
    expect(mine.status).toBe(404);
    expect(await mine.json()).toEqual({
      error: {
        message: `No job with id '${ids[0]}'.`,
        type: "invalid_request_error",
        param: "id",
        code: "job_not_found",
      },
    });
    const results = await edge.fetch(`/v1/index/jobs/${ids[0]}/results`, {
      headers: { authorization: `Bearer ${edge.apiKey}` },
    });
    expect(results.status).toBe(404);
  });

  it("cancels a running job: 200 with status cancelled, then 409 for results", async () => {
    standin.setFaults({ delayMs: 300 });
    try {
      const job = await startedJob({
        documents: Array.from({ length: 6 }, (_, i) => ({
          id: `c${i}`,
          text: fresh("cancel me"),
        })),
      });
      const res = await edge.fetch(`/v1/index/jobs/${job.id}/cancel`, {
        method: "POST",
        headers: { authorization: `Bearer ${edge.apiKey}` },
      });
      expect(res.status).toBe(200);
      const cancelled = (await res.json()) as JobBody;
      expect(cancelled.status).toBe("cancelled");
      await new Promise((r) => setTimeout(r, 1000));
      const later = await getJob(edge, edge.apiKey, job.id);
      expect(later.status).toBe("cancelled");
      expect(later.counts.documents_processed).toBeLessThan(6);
      const results = await edge.fetch(`/v1/index/jobs/${job.id}/results`, {
        headers: { authorization: `Bearer ${edge.apiKey}` },
      });
      expect(results.status).toBe(409);
      expect(await results.json()).toEqual({
        error: {
          message:
            "The job is cancelled; results are available once it is completed.",
          type: "invalid_request_error",
          param: null,
          code: "job_not_completed",
        },
      });
    } finally {
      standin.setFaults({ delayMs: 0 });
    }
  });

  it("fails for good, without redelivery, a document whose chunk the model refuses; the others complete", async () => {
    const poison = fresh("a chunk the engine fails on");
    const fine = fresh("a chunk the engine embeds");
    standin.setFaults({ failInputs: [poison] });
    try {
      const job = await startedJob({
        documents: [
          { id: "fine", text: fine },
          { id: "poison", text: poison },
        ],
      });
      const done = await waitForJob(edge, edge.apiKey, job.id);
      expect(done.status).toBe("completed");
      expect(done.counts).toEqual({
        documents: 2,
        documents_processed: 2,
        chunks: 1,
        chunks_from_cache: 0,
        chunks_computed: 1,
        failed: 1,
      });
      expect(done.last_error).toEqual({
        code: "input_rejected",
        message:
          "document 1: chunk 0 was rejected by the embedding model: Injected fault: the stand-in was configured to fail on this input",
      });
      // One call held it (then the canary): a redelivered message would have sent it again.
      expect(
        standin.stats().recent.filter((c) => c.inputs.includes(poison)),
      ).toHaveLength(1);
      expect(
        (await readResults(edge, edge.apiKey, job.id)).map(
          (l) => l.document_id,
        ),
      ).toEqual(["fine"]);
    } finally {
      standin.setFaults({ failInputs: [] });
    }
  });

  it("dead-letters a document that keeps failing and fails the job with the reason", async () => {
    const flaky = await startLocalServer((_req, res) =>
      res.writeHead(503).end("down"),
    );
    servers.push(flaky);
    const job = await startedJob({
      documents: [{ id: "down", url: `${flaky.url}/doc` }],
    });
    const done = await waitForJob(edge, edge.apiKey, job.id);
    expect(done.status).toBe("failed");
    expect(done.last_error).toEqual({
      code: "document_failed",
      message:
        "Document 0 could not be indexed after every retry. Last error: document 0: the document's server answered HTTP 503",
    });
    // First delivery plus maxRetries (2, test/support/edge.ts) redeliveries.
    expect(flaky.requests).toHaveLength(3);
  });
});

describe("signed callbacks", () => {
  it("retries while the receiver is down, then delivers once; the signature verifies with standardwebhooks", async () => {
    const receiver = await startLocalServer((_req, res, i) =>
      res.writeHead(i < 2 ? 503 : 204).end(),
    );
    servers.push(receiver);
    const job = await startedJob({
      documents: [{ id: "cb", text: fresh("callback document") }],
      callback_url: `${receiver.url}/hooks/index`,
    });
    await waitForJob(edge, edge.apiKey, job.id);
    for (
      let i = 0;
      i < 100 &&
      (await getJob(edge, edge.apiKey, job.id)).callback?.status !==
        "delivered";
      i++
    )
      await new Promise((r) => setTimeout(r, 50));
    const done = await getJob(edge, edge.apiKey, job.id);
    expect(done.callback).toEqual({
      url: `${receiver.url}/hooks/index`,
      status: "delivered",
      attempts: 3,
      last_error: null,
    });

    expect(receiver.requests).toHaveLength(3);
    const verified = receiver.requests.map((r) =>
      new Webhook(secret).verify(r.body, {
        "webhook-id": String(r.headers["webhook-id"]),
        "webhook-timestamp": String(r.headers["webhook-timestamp"]),
        "webhook-signature": String(r.headers["webhook-signature"]),
      }),
    );
    expect(
      new Set(receiver.requests.map((r) => r.headers["webhook-id"])),
    ).toEqual(new Set([`msg_${job.id}`]));
    const event = verified[2] as {
      type: string;
      timestamp: string;
      data: Record<string, unknown>;
    };
    expect(event.type).toBe("index.job.completed");
    expect(event.data).toEqual({
      id: job.id,
      object: "index.job",
      status: "completed",
      counts: done.counts,
      last_error: null,
    });
    expect(() =>
      new Webhook(
        `whsec_${Buffer.from("another secret entirely, 32 b!!").toString("base64")}`,
      ).verify(
        receiver.requests[2]!.body,
        receiver.requests[2]!.headers as Record<string, string>,
      ),
    ).toThrow();
  });

  it("gives up after the last scheduled try and records it on the job", async () => {
    const receiver = await startLocalServer((_req, res) =>
      res.writeHead(500).end(),
    );
    servers.push(receiver);
    const job = await startedJob({
      documents: [{ id: "cb", text: fresh("never delivered") }],
      callback_url: `${receiver.url}/hook`,
    });
    await waitForJob(edge, edge.apiKey, job.id);
    for (
      let i = 0;
      i < 100 &&
      (await getJob(edge, edge.apiKey, job.id)).callback?.status !== "failed";
      i++
    )
      await new Promise((r) => setTimeout(r, 50));
    const done = await getJob(edge, edge.apiKey, job.id);
    // The first try plus one per entry of INDEX_CALLBACK_RETRY_SCHEDULE (three).
    expect(done.callback).toEqual({
      url: `${receiver.url}/hook`,
      status: "failed",
      attempts: 4,
      last_error: "the receiver answered HTTP 500",
    });
    expect(receiver.requests).toHaveLength(4);
  });
});

describe("crash and redelivery", () => {
  it("a consumer killed mid-job, its messages redelivered: no duplicate lines, nothing missing", async () => {
    const dir = mkdtempSync(path.join(tmpdir(), "index-crash-"));
    const docs = Array.from({ length: 8 }, (_, d) => ({
      id: `crash-${d}`,
      text: paragraphs(fresh(`crash ${d}`), 2),
    }));
    let first: TestEdge | undefined = await startEdge({
      gpuUrls: [standin.url],
      stack,
      vars: LOCAL_VARS,
      persistDir: dir,
    });
    let second: TestEdge | undefined;
    const { tenantId, apiKey } = first.tenant;
    try {
      standin.setFaults({ delayMs: 150 });
      const job = await startedJob(
        { documents: docs, chunking: SMALL_CHUNKS },
        apiKey,
        first,
      );
      let mid = await getJob(first, apiKey, job.id);
      // Bounded by time, not by polls: on a loaded machine the queue's first delivery can take seconds.
      for (
        const deadline = Date.now() + 30_000;
        Date.now() < deadline && mid.counts.documents_processed < 2;
      ) {
        await new Promise((r) => setTimeout(r, 10));
        mid = await getJob(first, apiKey, job.id);
      }
      expect(mid.status).toBe("in_progress");
      expect(mid.counts.documents_processed).toBeLessThan(docs.length);
      // workerd is killed with the consumer in the middle of a document.
      await first.dispose();
      first = undefined;
      standin.setFaults({ delayMs: 0 });

      // A new edge on the same Durable Object and R2 storage (the tenant lives in Redis).
      second = await startEdge({
        gpuUrls: [standin.url],
        stack,
        vars: LOCAL_VARS,
        persistDir: dir,
        seedTenant: false,
      });
      const resumed = await getJob(second, apiKey, job.id);
      expect(resumed.status).toBe("in_progress");
      expect(resumed.counts.documents_processed).toBeGreaterThanOrEqual(
        mid.counts.documents_processed,
      );
      // Miniflare's queues live in memory and died with the first edge; Cloudflare's would redeliver
      // every unacknowledged message. We send all of them, a superset: finished ones must be skipped.
      const queue = (await second.bindings()).INDEX_QUEUE as {
        sendBatch(messages: { body: unknown }[]): Promise<void>;
      };
      await queue.sendBatch(
        docs.map((_, index) => ({
          body: {
            kind: "index.document",
            tenant_id: tenantId,
            job_id: job.id,
            index,
          },
        })),
      );
      const done = await waitForJob(second, apiKey, job.id);
      expect(done.status).toBe("completed");
      expect(done.counts.documents_processed).toBe(docs.length);

      const lines = await readResults(second, apiKey, job.id);
      expect(done.counts.chunks).toBe(lines.length);
      const keys = lines.map((l) => `${l.document_id}#${l.chunk_index}`);
      expect(new Set(keys).size).toBe(keys.length);
      for (const doc of docs) {
        const mine = lines.filter((l) => l.document_id === doc.id);
        const expected = await chunkText(
          doc.text,
          {
            maxTokens: SMALL_CHUNKS.max_tokens,
            overlapTokens: SMALL_CHUNKS.overlap_tokens,
          },
          qwen3TokenCount,
        );
        expect(
          mine.map((l) => [l.chunk_index, l.start, l.end, l.token_count]),
        ).toEqual(expected.map((c, i) => [i, c.start, c.end, c.tokenCount]));
      }
    } finally {
      standin.setFaults({ delayMs: 0 });
      await first?.dispose();
      await second?.dispose();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe("the bulk lane", () => {
  it("never has more bulk calls in flight than its cap while interactive requests are served", async () => {
    const capped = await startEdge({
      gpuUrls: [standin.url],
      stack,
      vars: {
        ...LOCAL_VARS,
        INDEX_GPU_MAX_CONCURRENT_BATCHES: "2",
        INDEX_GPU_BATCH_MAX_TOKENS: "256",
      },
    });
    try {
      standin.setFaults({ delayMs: 40 });
      standin.resetStats();
      // More documents than one queue batch (10), paced at the default INDEX_GPU_MAX_SHARE.
      const docs = Array.from({ length: 14 }, (_, d) => ({
        id: `bulk-${d}`,
        text: paragraphs(fresh(`bulk ${d}`), 6),
      }));
      const job = await startedJob(
        { documents: docs, chunking: SMALL_CHUNKS },
        capped.apiKey,
        capped,
      );
      const interactive: number[] = [];
      let state = await getJob(capped, capped.apiKey, job.id);
      while (state.status !== "completed" && state.status !== "failed") {
        const res = await capped.embed({
          model: MODEL,
          input: fresh("interactive while a job runs"),
        });
        interactive.push(res.status);
        state = await getJob(capped, capped.apiKey, job.id);
      }
      expect(state.status).toBe("completed");
      const lanes = standin.stats().lanes;
      expect(lanes.bulk!.calls).toBeGreaterThan(10);
      expect(lanes.bulk!.maxInFlight).toBe(2);
      expect(interactive.length).toBeGreaterThan(3);
      expect(new Set(interactive)).toEqual(new Set([200]));
      expect(lanes.none!.calls).toBe(interactive.length);
    } finally {
      standin.setFaults({ delayMs: 0 });
      await capped.dispose();
    }
  });
});
