/**
 * Two self-hosted RAG front ends as clients of `/v1/embeddings`, replaying the exact
 * requests their OpenAI embedding engines send (through workerd against the CPU
 * stand-in), and asserting the whole answer they read.
 *
 * Open WebUI, `backend/open_webui/retrieval/utils.py` (`generate_openai_batch_embeddings`
 * at open-webui/open-webui@0013f5c1fc9227ce5f0da592a84d1169b229edf6, and its async twin
 * `agenerate_openai_batch_embeddings` in later releases, same request):
 * - `POST {RAG_OPENAI_API_BASE_URL}/embeddings`, body `{"input": [texts], "model": RAG_EMBEDDING_MODEL}`
 *   serialised by Python's `json.dumps` (`requests`' `json=` / aiohttp's `json=`): `", "`
 *   and `": "` separators, every non-ASCII character escaped as `\uXXXX`;
 * - `RAG_EMBEDDING_PREFIX_FIELD_NAME` set and a query prefix (`RAG_EMBEDDING_QUERY_PREFIX`)
 *   adds that field to query requests: with `instruction`, this API's query extension;
 * - headers `Content-Type: application/json`, `Authorization: Bearer {RAG_OPENAI_API_KEY}`,
 *   and with `ENABLE_FORWARD_USER_INFO_HEADERS=true` `X-OpenWebUI-User-Name`
 *   (`urllib.parse.quote(name, safe=" ")`), `-Id`, `-Email`, `-Role`
 *   (`backend/open_webui/utils/headers.py` `include_user_info_headers`,
 *   open-webui/open-webui@0790441f904c9b7e5b9e136bdd11cb413f5d3b6d; names configurable
 *   there through `FORWARD_USER_INFO_HEADER_USER_*`);
 * - it slices its texts into batches of `RAG_EMBEDDING_BATCH_SIZE` (`config.py`, default 1)
 *   and reads `data[i].embedding` in order, ignoring `index` and `usage`.
 *
 * AnythingLLM's generic OpenAI embedder, `server/utils/EmbeddingEngines/genericOpenAi/index.js`
 * (Mintplex-Labs/anything-llm@0ac463e248048a34c2e3a9bf9dcdd023de6247e4): the `openai` npm
 * client with `baseURL: EMBEDDING_BASE_PATH`, `apiKey: GENERIC_OPEN_AI_EMBEDDING_API_KEY`,
 * calling `embeddings.create({ model: EMBEDDING_MODEL_PREF, input: chunk })` for chunks of
 * `GENERIC_OPEN_AI_EMBEDDING_MAX_CONCURRENT_CHUNKS` texts (default 500), one after another.
 * That call, made here with the openai package this repo pins (7.57.0; the version
 * AnythingLLM bundles is not pinned here), asks for base64.
 */
import OpenAI from "openai";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startEdge, type TestEdge } from "../support/edge";
import { startStandin, type Standin } from "../support/standin";
import { float32FromBase64 } from "../support/served-vector";
import { qwen3TokenCount } from "../../workers/tokenizer/qwen3-tokens";
import { servedFromFloat16Record } from "../support/served-vector";

let standin: Standin;
let edge: TestEdge;

beforeAll(async () => {
  standin = await startStandin({});
  edge = await startEdge({ gpuUrls: [standin.url] });
});
afterAll(async () => {
  await edge?.dispose();
  await standin?.close();
});

/** The stand-in's own vector for the exact text the edge sends it. */
async function standinVector(text: string): Promise<Float32Array> {
  const res = await fetch(`${standin.url}/v1/embeddings`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({
      model: "Qwen/Qwen3-Embedding-4B",
      input: [text],
      encoding_format: "base64",
    }),
  });
  const body = (await res.json()) as { data: { embedding: string }[] };
  return float32FromBase64(body.data[0]!.embedding);
}

/** The whole `/v1/embeddings` answer for `sent` (the texts as the model sees them), float encoding. */
async function expectedEnvelope(sent: string[]): Promise<unknown> {
  const data = [];
  for (const [index, text] of sent.entries()) {
    const vector = servedFromFloat16Record(await standinVector(text));
    data.push({ object: "embedding", index, embedding: Array.from(vector) });
  }
  let tokens = 0;
  for (const text of sent) tokens += await qwen3TokenCount(text);
  return {
    object: "list",
    data,
    model: "Qwen3-Embedding-4B",
    usage: { prompt_tokens: tokens, total_tokens: tokens },
  };
}

/**
 * Python's `json.dumps(value)` with its defaults (what `requests`' and aiohttp's `json=`
 * send): `", "` and `": "` separators, insertion order, and `ensure_ascii`: every
 * character outside U+0020..U+007E as `\uXXXX` (lower-case hex, UTF-16 units).
 */
function pythonJsonDumps(value: Record<string, string | string[]>): string {
  const ascii = (s: string) =>
    JSON.stringify(s).replace(
      /[^\x20-\x7e]/g,
      (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`,
    );
  const item = (v: string | string[]) =>
    Array.isArray(v) ? `[${v.map(ascii).join(", ")}]` : ascii(v);
  return `{${Object.entries(value)
    .map(([k, v]) => `${ascii(k)}: ${item(v)}`)
    .join(", ")}}`;
}

/** Open WebUI's request, byte for byte, as aiohttp sends it (its default headers included). */
function openWebUiRequest(body: string, forwardUser: boolean): RequestInit {
  const headers: Record<string, string> = {
    "Content-Type": "application/json",
    Authorization: `Bearer ${edge.apiKey}`,
    Accept: "*/*",
    "Accept-Encoding": "gzip, deflate",
    "User-Agent": "Python/3.11 aiohttp/3.12.15",
  };
  if (forwardUser) {
    Object.assign(headers, {
      // quote("Zoë Müller-Łukasik", safe=" "): UTF-8 percent-encoded, spaces kept.
      "X-OpenWebUI-User-Name": "Zo%C3%AB M%C3%BCller-%C5%81ukasik",
      "X-OpenWebUI-User-Id": "5f0c6a1e-3b2d-4c8e-9a7f-1d2e3f4a5b6c",
      "X-OpenWebUI-User-Email": "zoe@example.com",
      "X-OpenWebUI-User-Role": "user",
    });
  }
  return { method: "POST", headers, body };
}

const DOCUMENTS = [
  "Die Grüße kamen aus Köln.",
  "La réunion est prévue à 14 h — salle B.",
  "向量检索把文本映射到同一个空间。",
  "Emoji survive escaping: 🚀 and \u007f too",
];

describe("Open WebUI (RAG_EMBEDDING_ENGINE=openai)", () => {
  it("the helper writes what Python's json.dumps writes", () => {
    // json.dumps({"input": ["é🚀\n"], "model": "m"}) in CPython 3.11:
    expect(pythonJsonDumps({ input: ["é🚀\n"], model: "m" })).toBe(
      '{"input": ["\\u00e9\\ud83d\\ude80\\n"], "model": "m"}',
    );
  });

  it("embeds a batch of document chunks with the forwarded-user headers: 200 and the whole answer", async () => {
    const body = pythonJsonDumps({
      input: DOCUMENTS,
      model: "Qwen3-Embedding-4B",
    });
    // The bytes CPython 3.11's json.dumps writes for this body (printed by python3 itself).
    expect(body).toBe(
      '{"input": ["Die Gr\\u00fc\\u00dfe kamen aus K\\u00f6ln.", "La r\\u00e9union est pr\\u00e9vue \\u00e0 14 h \\u2014 salle B.", ' +
        '"\\u5411\\u91cf\\u68c0\\u7d22\\u628a\\u6587\\u672c\\u6620\\u5c04\\u5230\\u540c\\u4e00\\u4e2a\\u7a7a\\u95f4\\u3002", ' +
        '"Emoji survive escaping: \\ud83d\\ude80 and \\u007f too"], "model": "Qwen3-Embedding-4B"}',
    );
    const res = await fetch(
      `${edge.url}/v1/embeddings`,
      openWebUiRequest(body, true),
    );
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("application/json");
    expect(await res.json()).toEqual(await expectedEnvelope(DOCUMENTS));
  });

  it("embeds one chunk per request at the default RAG_EMBEDDING_BATCH_SIZE=1, without the user headers", async () => {
    const body = pythonJsonDumps({
      input: [DOCUMENTS[1]!],
      model: "Qwen3-Embedding-4B",
    });
    const res = await fetch(
      `${edge.url}/v1/embeddings`,
      openWebUiRequest(body, false),
    );
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual(await expectedEnvelope([DOCUMENTS[1]!]));
  });

  it("sends queries as Qwen3 queries with RAG_EMBEDDING_PREFIX_FIELD_NAME=instruction", async () => {
    const instruction =
      "Given a web search query, retrieve relevant passages that answer the query";
    const query = "Wann kamen die Grüße?";
    const body = pythonJsonDumps({
      input: [query],
      model: "Qwen3-Embedding-4B",
      instruction,
    });
    const res = await fetch(
      `${edge.url}/v1/embeddings`,
      openWebUiRequest(body, true),
    );
    expect(res.status).toBe(200);
    // The model sees `Instruct: {instruction}\nQuery:{text}` (no space after "Query:").
    expect(await res.json()).toEqual(
      await expectedEnvelope([`Instruct: ${instruction}\nQuery:${query}`]),
    );
  });

  it("answers a wrong key with OpenAI's envelope, which Open WebUI logs and skips", async () => {
    const body = pythonJsonDumps({ input: ["x"], model: "Qwen3-Embedding-4B" });
    const init = openWebUiRequest(body, true);
    const res = await fetch(`${edge.url}/v1/embeddings`, {
      ...init,
      headers: {
        ...(init.headers as Record<string, string>),
        Authorization: "Bearer sk-not-a-key",
      },
    });
    expect(res.status).toBe(401);
    const error = ((await res.json()) as { error: Record<string, unknown> })
      .error;
    expect(Object.keys(error).sort()).toEqual([
      "code",
      "message",
      "param",
      "type",
    ]);
  });
});

describe("AnythingLLM (EMBEDDING_ENGINE=generic-openai)", () => {
  it("embeds its chunks through the openai client's default base64 path, vectors exact", async () => {
    const sent: unknown[] = [];
    const client = new OpenAI({
      apiKey: edge.apiKey,
      baseURL: `${edge.url}/v1`,
      maxRetries: 0,
      fetch: async (url, init) => {
        sent.push(JSON.parse(String(init?.body)));
        return fetch(url, init);
      },
    });
    const result = await client.embeddings.create({
      model: "Qwen3-Embedding-4B",
      input: DOCUMENTS,
    });
    expect(sent).toEqual([
      {
        model: "Qwen3-Embedding-4B",
        input: DOCUMENTS,
        encoding_format: "base64",
      },
    ]);
    // AnythingLLM keeps `data[i].embedding` in order (it checks every item has one).
    const expected = (await expectedEnvelope(DOCUMENTS)) as {
      data: { embedding: number[] }[];
      usage: unknown;
    };
    expect(result.data.map((d) => d.embedding)).toEqual(
      expected.data.map((d) => d.embedding),
    );
    expect(result.data.map((d) => d.index)).toEqual([0, 1, 2, 3]);
    expect(result.usage).toEqual(expected.usage);
  });
});
