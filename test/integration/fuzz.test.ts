/**
 * Property: whatever body arrives, `/v1/embeddings` never answers 5xx while the GPU
 * worker is healthy, and every non-200 is OpenAI's full envelope. 1,000+ bodies:
 * generated requests (valid and invalid values per field) and byte-level mutations of
 * valid ones, run through workerd against the stand-in.
 */
import fc from "fast-check";
import { afterAll, beforeAll, expect, it } from "vitest";
import { startEdge, type TestEdge } from "../support/edge";
import { startStandin, type Standin } from "../support/standin";

let standin: Standin;
let edge: TestEdge;
beforeAll(async () => {
  standin = await startStandin({});
  edge = await startEdge({
    gpuUrls: [standin.url],
    vars: { MAX_BODY_BYTES: "65536" },
  });
});
afterAll(async () => {
  await edge?.dispose();
  await standin?.close();
});

const text = fc.string({ minLength: 0, maxLength: 40, unit: "binary" });
const tokenIds = fc.array(
  fc.oneof(
    fc.integer({ min: 0, max: 151_668 }),
    fc.integer({ min: -3, max: 200_000 }),
    fc.double(),
  ),
  { maxLength: 8 },
);
const inputValue = fc.oneof(
  text,
  fc.array(text, { maxLength: 6 }),
  tokenIds,
  fc.array(tokenIds, { maxLength: 4 }),
  fc.array(fc.oneof(text, fc.integer(), fc.constant(null)), { maxLength: 4 }),
  fc.anything({ maxDepth: 2 }),
);
const field = <T>(valid: fc.Arbitrary<T>) =>
  fc.oneof(
    { weight: 4, arbitrary: valid },
    { weight: 1, arbitrary: fc.anything({ maxDepth: 1 }) },
  );

const requestBody = fc.record(
  {
    model: field(
      fc.constantFrom(
        "Qwen3-Embedding-4B",
        "Qwen/Qwen3-Embedding-4B",
        "text-embedding-3-small",
        "",
      ),
    ),
    input: inputValue,
    encoding_format: field(fc.constantFrom("float", "base64", "binary", null)),
    dimensions: field(
      fc.oneof(fc.integer({ min: 0, max: 3000 }), fc.constant(null)),
    ),
    user: field(fc.string({ maxLength: 300 })),
    input_type: field(fc.constantFrom("query", "document", "passage")),
    instruction: field(fc.string({ maxLength: 50 })),
    extra: fc.anything({ maxDepth: 1 }),
  },
  { requiredKeys: [] },
);

const mutatedValid = fc
  .tuple(
    fc.constantFrom(
      JSON.stringify({
        model: "Qwen3-Embedding-4B",
        input: ["hello", "world"],
        encoding_format: "base64",
        dimensions: 64,
      }),
      JSON.stringify({
        model: "Qwen3-Embedding-4B",
        input: [[9707, 11], [374]],
      }),
      JSON.stringify({
        model: "Qwen3-Embedding-4B",
        input: "q",
        input_type: "query",
        instruction: "find",
      }),
    ),
    fc.array(
      fc.tuple(
        fc.nat(),
        fc.integer({ min: 0, max: 2 }),
        fc.string({ minLength: 0, maxLength: 3 }),
      ),
      { minLength: 1, maxLength: 4 },
    ),
  )
  .map(([json, edits]) =>
    edits.reduce((s, [pos, op, chunk]) => {
      const at = pos % (s.length + 1);
      return op === 0
        ? s.slice(0, at) + s.slice(at + 1)
        : op === 1
          ? s.slice(0, at) + chunk + s.slice(at)
          : s.slice(0, at) + chunk + s.slice(at + chunk.length);
    }, json),
  );

const validBody = fc.record(
  {
    model: fc.constantFrom("Qwen3-Embedding-4B", "Qwen/Qwen3-Embedding-4B"),
    input: fc.oneof(
      fc.string({ minLength: 1, maxLength: 40, unit: "binary" }),
      fc.array(fc.string({ minLength: 1, maxLength: 30, unit: "binary" }), {
        minLength: 1,
        maxLength: 5,
      }),
      fc.array(fc.integer({ min: 0, max: 151_668 }), {
        minLength: 1,
        maxLength: 8,
      }),
    ),
    encoding_format: fc.constantFrom("float", "base64"),
    dimensions: fc.integer({ min: 32, max: 2560 }),
    input_type: fc.constantFrom("query", "document"),
  },
  { requiredKeys: ["model", "input"] },
);

const rawBody = fc.oneof(
  { weight: 2, arbitrary: validBody.map((b) => JSON.stringify(b)) },
  { weight: 5, arbitrary: requestBody.map((b) => JSON.stringify(b)) },
  { weight: 3, arbitrary: mutatedValid },
  { weight: 1, arbitrary: fc.string({ maxLength: 60, unit: "binary" }) },
);

function assertWellFormed(status: number, body: string): void {
  expect(status).toBeLessThan(500);
  const parsed = JSON.parse(body) as Record<string, unknown>;
  if (status === 200) {
    expect(parsed.object).toBe("list");
    return;
  }
  expect(Object.keys(parsed)).toEqual(["error"]);
  const error = parsed.error as Record<string, unknown>;
  expect(Object.keys(error).sort()).toEqual([
    "code",
    "message",
    "param",
    "type",
  ]);
  expect(typeof error.message).toBe("string");
  expect(typeof error.type).toBe("string");
  expect(error.param === null || typeof error.param === "string").toBe(true);
  expect(error.code === null || typeof error.code === "string").toBe(true);
}

it("never answers 5xx and always the full envelope, over 1,000 random and mutated bodies", async () => {
  const statuses = new Map<number, number>();
  await fc.assert(
    fc.asyncProperty(rawBody, async (body) => {
      const res = await edge.embed(body);
      const text = await res.text();
      statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
      assertWellFormed(res.status, text);
    }),
    { numRuns: 1000, seed: 20261121 },
  );
  // The generators must reach both sides of the contract, or the property says little.
  expect(statuses.get(200) ?? 0).toBeGreaterThan(50);
  expect(statuses.get(400) ?? 0).toBeGreaterThan(300);
  expect(statuses.get(404) ?? 0).toBeGreaterThan(10);
}, 300_000);
