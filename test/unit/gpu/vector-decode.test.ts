import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { ApiError } from "../../../workers/errors/api-error";
import { createGpuPool } from "../../../workers/gpu/pool";
import { decodeEmbeddingResponse } from "../../../workers/gpu/vector-decode";
import {
  DIMS,
  embeddingsReply,
  encodeVector,
  expectedVector,
  startFakeSglang,
  testConfig,
  textItems,
  type FakeSglang,
  type RecordedRequest,
  type Reply,
} from "./fake-sglang";

describe("decodeEmbeddingResponse", () => {
  it("reads base64 as little-endian float32 whatever the host's byte order", () => {
    const bytes = new Uint8Array(DIMS * 4);
    // 0.6 and 0.8 as float32, written byte by byte, least significant first.
    bytes.set([0x9a, 0x99, 0x19, 0x3f], 0);
    bytes.set([0xcd, 0xcc, 0x4c, 0x3f], 4 * 2559);
    const body = JSON.stringify({
      data: [{ index: 0, embedding: Buffer.from(bytes).toString("base64") }],
    });
    const decoded = decodeEmbeddingResponse(body, 1);
    if (!decoded.ok) throw new Error(decoded.reason);
    const v = decoded.vectors[0]!;
    expect([v[0], v[1], v[2558], v[2559]]).toEqual([
      Math.fround(0.6),
      0,
      0,
      Math.fround(0.8),
    ]);
  });

  it("names the problem for each kind of bad body", () => {
    const good = Array.from(expectedVector("x"));
    const one = (embedding: unknown, index: unknown = 0) =>
      JSON.stringify({ data: [{ index, embedding }] });
    const cases: [string, string][] = [
      ["{", "body is not valid JSON"],
      ['{"data":[{"index":0,"embedding":[NaN]}]}', "body is not valid JSON"],
      ["{}", "body has no data array"],
      [one(good.slice(1)), "embedding 0 has 2559 dimensions, expected 2560"],
      [one([...good, 0]), "embedding 0 has 2561 dimensions, expected 2560"],
      [
        one(good.map((x) => x * 1.02)),
        "embedding 0 has L2 norm 1.0200, expected 1",
      ],
      [
        one(good.map((x, i) => (i === 7 ? 1e39 : x))),
        "embedding 0 has a non-finite value",
      ],
      [
        one(good.map((x, i) => (i === 7 ? "0.1" : x))),
        "embedding 0 is neither a float array nor base64 float32",
      ],
      [
        one("not base64!"),
        "embedding 0 is neither a float array nor base64 float32",
      ],
      [
        one(Buffer.alloc(4 * 2559 + 2).toString("base64")),
        "embedding 0 is neither a float array nor base64 float32",
      ],
      [one(good, 1), "an embedding has a missing or out-of-range index"],
      [one(good, "0"), "an embedding has a missing or out-of-range index"],
      [JSON.stringify({ data: [] }), "expected 1 embeddings, got 0"],
    ];
    expect(cases.map(([body]) => decodeEmbeddingResponse(body, 1))).toEqual(
      cases.map(([, reason]) => ({ ok: false, reason })),
    );
    const twice = JSON.stringify({
      data: [0, 0].map((index) => ({ index, embedding: good })),
    });
    expect(decodeEmbeddingResponse(twice, 2)).toEqual({
      ok: false,
      reason: "index 0 appears twice",
    });
  });
});

describe("response decoding over HTTP", () => {
  let sglang: FakeSglang;
  beforeEach(async () => {
    vi.spyOn(console, "warn").mockImplementation(() => {});
    sglang = await startFakeSglang();
  });
  afterEach(async () => {
    vi.restoreAllMocks();
    await sglang.close();
  });

  const texts = ["first", "second", "third"];

  it.each(["float", "base64"] as const)(
    "decodes %s embeddings, listed out of order, to the exact float32 values",
    async (encoding) => {
      sglang.setHandler((req) =>
        embeddingsReply(req, { encoding, reverse: true }),
      );
      const result = await createGpuPool(testConfig([sglang.url])).embed(
        textItems(texts),
      );
      expect(result.vectors).toEqual(texts.map(expectedVector));
      // Bit for bit, not merely close.
      for (const [i, v] of result.vectors.entries()) {
        expect(
          Buffer.from(v.buffer).equals(
            Buffer.from(expectedVector(texts[i]!).buffer),
          ),
        ).toBe(true);
      }
    },
  );

  /** A success reply whose `data` has been tampered with. */
  const tampered =
    (
      edit: (
        data: { index: number; embedding: number[] | string }[],
      ) => unknown,
    ) =>
    (req: RecordedRequest) => {
      const reply = embeddingsReply(req) as {
        status: number;
        json: { data: { index: number; embedding: number[] }[] };
      };
      return {
        status: 200,
        json: { ...reply.json, data: edit(reply.json.data) },
      } satisfies Reply;
    };
  const malformed: [string, (req: RecordedRequest) => Reply][] = [
    [
      "wrong length",
      tampered((data) =>
        data.map((d, i) =>
          i === 1 ? { ...d, embedding: d.embedding.slice(0, 2559) } : d,
        ),
      ),
    ],
    [
      "NaN literal",
      () => ({
        status: 200,
        text: '{"object":"list","data":[{"object":"embedding","index":0,"embedding":[NaN]}]}',
      }),
    ],
    [
      "norm off",
      tampered((data) =>
        data.map((d) => ({
          ...d,
          embedding: (d.embedding as number[]).map((x) => x * 0.98),
        })),
      ),
    ],
    ["count mismatch", tampered((data) => data.slice(0, 2))],
    [
      "base64 of the wrong length",
      tampered((data) =>
        data.map((d) => ({
          ...d,
          embedding: encodeVector(
            expectedVector("x").subarray(0, 100),
            "base64",
          ),
        })),
      ),
    ],
  ];

  it.each(malformed)(
    "answers 502 upstream_invalid_response for %s, without retrying the same endpoint",
    async (_, handler) => {
      sglang.setHandler(handler);
      const error = await createGpuPool(testConfig([sglang.url]))
        .embed(textItems(texts))
        .catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ApiError);
      const response = (error as ApiError).getResponse();
      expect(response.status).toBe(502);
      expect(await response.json()).toEqual({
        error: {
          message: "A GPU worker returned an invalid embedding response.",
          type: "server_error",
          param: null,
          code: "upstream_invalid_response",
        },
      });
      expect(sglang.embedCalls().length).toBe(1);
      expect(console.warn).toHaveBeenCalledTimes(1);
    },
  );

  it("takes valid vectors from the next endpoint after one returned invalid ones", async () => {
    const good = await startFakeSglang();
    try {
      sglang.setHandler(malformed[2]![1]);
      const result = await createGpuPool(
        testConfig([sglang.url, good.url]),
      ).embed(textItems(texts));
      expect(result.vectors).toEqual(texts.map(expectedVector));
      expect(result.calls).toBe(2);
      expect([sglang.embedCalls().length, good.embedCalls().length]).toEqual([
        1, 1,
      ]);
    } finally {
      await good.close();
    }
  });
});
