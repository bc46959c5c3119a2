/**
 * `output_dtype` through workerd against the CPU stand-in: for each dtype, encoding and
 * a few `dimensions`, the exact values or bytes, computed here by plain arithmetic from
 * the float response of the same request (not by the edge's quantizers); every dtype is
 * served from the one cache entry the first request wrote; binary types need whole bytes.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { startEdge, type TestEdge } from "../support/edge";
import { startStandin, type Standin } from "../support/standin";

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
beforeEach(() => standin.resetStats());

type Dtype = "int8" | "uint8" | "binary" | "ubinary";

/** Nearest integer, ties away from zero, written with floor and an exact fraction test. */
function roundTiesAway(v: number): number {
  const a = Math.abs(v);
  const whole = Math.floor(a);
  const rounded = a - whole >= 0.5 ? whole + 1 : whole;
  return v < 0 ? -rounded : rounded;
}

/** The expected integers for `dtype`, from the served float vector. */
function expectedValues(x: number[], dtype: Dtype): number[] {
  if (dtype === "int8" || dtype === "uint8") {
    const s = x.reduce((m, v) => Math.max(m, Math.abs(v)), 0);
    const q = x.map((v) => (s === 0 ? 0 : roundTiesAway((v * 127) / s)));
    return dtype === "int8" ? q : q.map((v) => v + 128);
  }
  const bytes: number[] = [];
  for (let i = 0; i < x.length; i += 8) {
    let byte = 0;
    for (let j = 0; j < 8; j++) byte = byte * 2 + (x[i + j]! > 0 ? 1 : 0);
    bytes.push(dtype === "ubinary" ? byte : byte - 128);
  }
  return bytes;
}

/** Raw bytes of the integers, negative ones as two's complement, base64. */
const base64Of = (values: number[]) =>
  Buffer.from(values.map((v) => (v + 256) % 256)).toString("base64");

interface Body {
  object: string;
  data: { object: string; index: number; embedding: number[] | string }[];
  model: string;
  usage: { prompt_tokens: number; total_tokens: number };
}

async function embed(body: object): Promise<{ res: Response; body: Body }> {
  const res = await edge.embed({ model: "Qwen3-Embedding-4B", ...body });
  return { res, body: (await res.json()) as Body };
}

describe("output_dtype", () => {
  const input = [
    "quantize this sentence please",
    "a second, different input about rivers",
  ];

  it.each([64, 200, 2560])(
    "gives exact integers and bytes for every dtype at %i dimensions, all from one cache entry",
    async (dimensions) => {
      const asFloat = await embed({ input, dimensions });
      expect(asFloat.res.status).toBe(200);
      const floats = asFloat.body.data.map((d) => d.embedding as number[]);
      standin.resetStats();
      const dtypes: Dtype[] =
        dimensions % 8 === 0
          ? ["int8", "uint8", "binary", "ubinary"]
          : ["int8", "uint8"];
      for (const dtype of dtypes) {
        for (const encoding_format of ["float", "base64"] as const) {
          const { res, body } = await embed({
            input,
            dimensions,
            output_dtype: dtype,
            encoding_format,
          });
          expect(res.status).toBe(200);
          expect(res.headers.get("x-cache")).toBe("hits=2 misses=0");
          const expected = floats.map((x) => expectedValues(x, dtype));
          expect(body).toEqual({
            object: "list",
            data: expected.map((values, index) => ({
              object: "embedding",
              index,
              embedding:
                encoding_format === "float" ? values : base64Of(values),
            })),
            model: "Qwen3-Embedding-4B",
            usage: asFloat.body.usage,
          });
          expect(expected[0]!.length).toBe(
            dtype === "binary" || dtype === "ubinary"
              ? dimensions / 8
              : dimensions,
          );
        }
      }
      // Every dtype was served from the entry the float request found or wrote: no GPU call.
      expect(standin.stats().calls).toBe(0);
    },
  );

  it("uses the whole int8 range on a served vector: the largest magnitude is ±127", async () => {
    const { body } = await embed({
      input: input[0],
      output_dtype: "int8",
      dimensions: 32,
    });
    const values = body.data[0]!.embedding as number[];
    expect(Math.max(...values.map(Math.abs))).toBe(127);
    expect(
      values.every((v) => Number.isInteger(v) && v >= -127 && v <= 127),
    ).toBe(true);
  });

  it.each(["binary", "ubinary"])(
    "refuses %s with dimensions that are not a multiple of 8",
    async (dtype) => {
      const res = await edge.embed({
        model: "Qwen3-Embedding-4B",
        input: "x",
        output_dtype: dtype,
        dimensions: 100,
      });
      expect(res.status).toBe(400);
      expect(await res.json()).toEqual({
        error: {
          message: `'dimensions' must be a multiple of 8 with output_dtype '${dtype}' (8 dimensions per byte); got 100.`,
          type: "invalid_request_error",
          param: "dimensions",
          code: null,
        },
      });
      expect(standin.stats().calls).toBe(0);
    },
  );

  it("refuses an unknown output_dtype", async () => {
    const res = await edge.embed({
      model: "Qwen3-Embedding-4B",
      input: "x",
      output_dtype: "int4",
    });
    expect(res.status).toBe(400);
    expect(await res.json()).toEqual({
      error: {
        message:
          "'output_dtype' must be 'float', 'int8', 'uint8', 'binary' or 'ubinary'.",
        type: "invalid_request_error",
        param: "output_dtype",
        code: null,
      },
    });
  });
});

describe("OpenAPI document", () => {
  it("documents truncate, max_tokens_per_input, output_dtype, integer embeddings and x-truncated-inputs", async () => {
    const doc = (await (await edge.fetch("/openapi.json")).json()) as {
      paths: Record<
        string,
        {
          post: {
            responses: Record<string, { headers?: Record<string, unknown> }>;
          };
        }
      >;
      components: {
        schemas: Record<
          string,
          { properties: Record<string, { enum?: string[]; type?: string }> }
        >;
      };
    };
    const request = doc.components.schemas.CreateEmbeddingRequest!.properties;
    expect(request.truncate?.enum).toEqual(["none", "end", "start", null]);
    expect(request.max_tokens_per_input?.type).toEqual(["integer", "null"]);
    expect(request.output_dtype?.enum).toEqual([
      "float",
      "int8",
      "uint8",
      "binary",
      "ubinary",
      null,
    ]);
    const item = doc.components.schemas.CreateEmbeddingResponse!.properties
      .data as unknown as {
      items: { properties: { embedding: { anyOf: unknown[] } } };
    };
    expect(item.items.properties.embedding.anyOf).toEqual([
      { type: "array", items: { type: "number" } },
      { type: "array", items: { type: "integer" } },
      { type: "string" },
    ]);
    expect(
      Object.keys(
        doc.paths["/v1/embeddings"]!.post.responses["200"]!.headers ?? {},
      ),
    ).toEqual(["x-truncated-inputs"]);
  });
});
