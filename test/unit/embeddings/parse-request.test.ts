import { describe, expect, it } from "vitest";
import { parseEmbeddingRequest } from "../../../workers/embeddings/parse-request";
import { assertKnownModel } from "../../../workers/embeddings/pipeline";
import { ApiError } from "../../../workers/errors/api-error";
import { isBlankToSglang } from "../../../workers/embeddings/sglang-blank-text";
import { prepareInputs } from "../../../workers/embeddings/prepare-inputs";
import { countAndAdmitTokens } from "../../../workers/embeddings/token-budget";

const MODEL = "Qwen3-Embedding-4B";

function jsonRequest(body: string, contentType = "application/json"): Request {
  return new Request("http://x/v1/embeddings", {
    method: "POST",
    headers: { "content-type": contentType },
    body,
  });
}

async function errorOf(
  body: unknown,
  options: { contentType?: string; maxBytes?: number } = {},
) {
  const raw = typeof body === "string" ? body : JSON.stringify(body);
  try {
    const parsed = await parseEmbeddingRequest(
      jsonRequest(raw, options.contentType),
      options.maxBytes ?? 8 * 1024 * 1024,
    );
    assertKnownModel(parsed.model);
  } catch (err) {
    if (!(err instanceof ApiError)) throw err;
    const res = err.getResponse();
    return { status: res.status, body: await res.json() };
  }
  throw new Error("expected an error");
}

const bad = (
  message: string,
  param: string | null,
  code: string | null = null,
) => ({
  status: 400,
  body: { error: { message, type: "invalid_request_error", param, code } },
});

const DIMENSIONS_MESSAGE =
  "'dimensions' must be an integer between 32 and 2560.";
const INSTRUCTION_WITH_DOCUMENT =
  "'instruction' applies only to queries; it cannot be used with input_type 'document'.";

describe("embeddings request validation: status, type, param and code for every case", () => {
  const cases: [
    string,
    unknown,
    ReturnType<typeof bad>,
    { contentType?: string; maxBytes?: number }?,
  ][] = [
    [
      "invalid JSON",
      '{"model": "x",',
      bad(
        "We could not parse the JSON body of your request. The API expects a JSON payload; make sure the body is valid JSON.",
        null,
        "invalid_json",
      ),
    ],
    [
      "wrong content type",
      JSON.stringify({ model: MODEL, input: "a" }),
      bad(
        "Invalid content type 'text/plain': the request body must be JSON with 'Content-Type: application/json'.",
        null,
        "invalid_content_type",
      ),
      { contentType: "text/plain" },
    ],
    [
      "body not an object",
      [1, 2],
      bad("The request body must be a JSON object.", null),
    ],
    [
      "missing model",
      { input: "a" },
      bad("you must provide a model parameter", "model"),
    ],
    [
      "missing input",
      { model: MODEL },
      bad("'input' is a required property.", "input"),
    ],
    [
      "null input",
      { model: MODEL, input: null },
      bad("'input' is a required property.", "input"),
    ],
    [
      "empty string",
      { model: MODEL, input: "" },
      bad("Input cannot be an empty string.", "input"),
    ],
    [
      "empty string item",
      { model: MODEL, input: ["a", "b", "c", ""] },
      bad("Input [3] cannot be an empty string.", "input[3]"),
    ],
    [
      "empty array",
      { model: MODEL, input: [] },
      bad("Input cannot be an empty array.", "input"),
    ],
    [
      "2049 items",
      { model: MODEL, input: Array(2049).fill("a") },
      bad("Input must have at most 2048 items; got 2049.", "input"),
    ],
    [
      "mixed item types",
      { model: MODEL, input: ["a", 1] },
      bad("Input [1] must be a string like the other items.", "input[1]"),
    ],
    [
      "input of wrong type",
      { model: MODEL, input: { text: "a" } },
      bad(
        "Input must be a string, an array of strings, an array of token ids, or an array of token-id arrays.",
        "input",
      ),
    ],
    [
      "non-integer token id",
      { model: MODEL, input: [1, 2.5] },
      bad(
        "Token at input[1] must be an integer token id between 0 and 151668.",
        "input[1]",
      ),
    ],
    [
      "negative token id",
      { model: MODEL, input: [[1], [5, -1]] },
      bad(
        "Token at input[1][1] must be an integer token id between 0 and 151668.",
        "input[1][1]",
      ),
    ],
    [
      "token id past the vocabulary",
      { model: MODEL, input: [151669] },
      bad(
        "Token at input[0] must be an integer token id between 0 and 151668.",
        "input[0]",
      ),
    ],
    [
      "empty token array",
      { model: MODEL, input: [[1], []] },
      bad("A token-id input cannot be an empty array.", "input[1]"),
    ],
    [
      "dimensions too small",
      { model: MODEL, input: "a", dimensions: 31 },
      bad(DIMENSIONS_MESSAGE, "dimensions"),
    ],
    [
      "dimensions too large",
      { model: MODEL, input: "a", dimensions: 2561 },
      bad(DIMENSIONS_MESSAGE, "dimensions"),
    ],
    [
      "dimensions not an integer",
      { model: MODEL, input: "a", dimensions: 64.5 },
      bad(DIMENSIONS_MESSAGE, "dimensions"),
    ],
    [
      "dimensions as a string",
      { model: MODEL, input: "a", dimensions: "64" },
      bad(DIMENSIONS_MESSAGE, "dimensions"),
    ],
    [
      "unknown encoding_format",
      { model: MODEL, input: "a", encoding_format: "binary" },
      bad("'encoding_format' must be 'float' or 'base64'.", "encoding_format"),
    ],
    [
      "unknown input_type",
      { model: MODEL, input: "a", input_type: "passage" },
      bad("'input_type' must be 'query' or 'document'.", "input_type"),
    ],
    [
      "empty instruction",
      { model: MODEL, input: "a", instruction: "" },
      bad("'instruction' cannot be empty.", "instruction"),
    ],
    [
      "whitespace-only instruction",
      { model: MODEL, input: "a", instruction: "  " },
      bad("'instruction' cannot be only whitespace.", "instruction"),
    ],
    [
      "instruction of tabs, newlines and U+3000",
      { model: MODEL, input: "a", instruction: "\t\n\u3000" },
      bad("'instruction' cannot be only whitespace.", "instruction"),
    ],
    [
      "instruction with input_type document",
      {
        model: MODEL,
        input: "a",
        input_type: "document",
        instruction: "Find code",
      },
      bad(INSTRUCTION_WITH_DOCUMENT, "instruction"),
    ],
    [
      "instruction with document, input given as token ids",
      { model: MODEL, input: [1, 2], instruction: "x", input_type: "document" },
      bad(INSTRUCTION_WITH_DOCUMENT, "instruction"),
    ],
    [
      "unknown top-level field",
      { model: MODEL, input: "a", temperature: 0.5 },
      bad("Unrecognized request argument supplied: temperature", "temperature"),
    ],
    [
      "unknown field reported before other errors",
      { input: "", foo: 1 },
      bad("Unrecognized request argument supplied: foo", "foo"),
    ],
  ];

  it.each(cases)("%s", async (_name, body, expected, options) => {
    expect(await errorOf(body, options)).toEqual(expected);
  });

  it("answers 404 model_not_found for an unknown model", async () => {
    expect(
      await errorOf({ model: "text-embedding-3-small", input: "a" }),
    ).toEqual({
      status: 404,
      body: {
        error: {
          message:
            "The model 'text-embedding-3-small' does not exist or you do not have access to it.",
          type: "invalid_request_error",
          param: "model",
          code: "model_not_found",
        },
      },
    });
  });

  it("answers 413 for a body over the limit, whatever Content-Length says", async () => {
    const expected = {
      status: 413,
      body: {
        error: {
          message: "Request body too large: the limit is 1024 bytes.",
          type: "invalid_request_error",
          param: null,
          code: "request_too_large",
        },
      },
    };
    expect(
      await errorOf(
        { model: MODEL, input: "x".repeat(2000) },
        { maxBytes: 1024 },
      ),
    ).toEqual(expected);
    // A streamed body has no Content-Length: the bound is enforced while reading.
    const stream = new ReadableStream({
      start(controller) {
        for (let i = 0; i < 10; i++)
          controller.enqueue(new TextEncoder().encode("x".repeat(200)));
        controller.close();
      },
    });
    const req = new Request("http://x/", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: stream,
      duplex: "half",
    } as RequestInit);
    await expect(parseEmbeddingRequest(req, 1024)).rejects.toMatchObject({
      status: 413,
    });
  });

  it("accepts every input form and both model names, treating null options as absent", async () => {
    for (const input of ["a", ["a", "b"], [1, 2, 3], [[1], [2, 3]]]) {
      const parsed = await parseEmbeddingRequest(
        jsonRequest(
          JSON.stringify({
            model: "Qwen/Qwen3-Embedding-4B",
            input,
            dimensions: null,
            encoding_format: null,
            user: "u1",
          }),
        ),
        1 << 20,
      );
      expect(parsed.dimensions).toBeUndefined();
      expect(parsed.encoding_format).toBeUndefined();
      expect(parsed.user).toBe("u1");
      expect(() => assertKnownModel(parsed.model)).not.toThrow();
    }
  });
});

/** Python 3.11: `[hex(c) for c in range(0x110000) if chr(c).isspace()]`, the set `str.strip()` removes. */
const PYTHON_ISSPACE = [
  0x9, 0xa, 0xb, 0xc, 0xd, 0x1c, 0x1d, 0x1e, 0x1f, 0x20, 0x85, 0xa0, 0x1680,
  0x2000, 0x2001, 0x2002, 0x2003, 0x2004, 0x2005, 0x2006, 0x2007, 0x2008,
  0x2009, 0x200a, 0x2028, 0x2029, 0x202f, 0x205f, 0x3000,
];

/** Qwen3 token ids (fixtures from the Hugging Face vocabulary): " " 220, "\n\n" 271, "\t" 197, U+00A0 4102. */
const END_OF_TEXT = 151643;

describe("whitespace-only inputs and instructions", () => {
  it("calls a text blank exactly when Python's str.strip() leaves nothing, for every code point", () => {
    const python = new Set(PYTHON_ISSPACE);
    const disagreements: number[] = [];
    for (let cp = 0; cp <= 0x10ffff; cp++) {
      if (isBlankToSglang(String.fromCodePoint(cp)) !== python.has(cp))
        disagreements.push(cp);
    }
    expect(disagreements).toEqual([]);
    expect([
      isBlankToSglang(""),
      isBlankToSglang(" \t\n\u3000\u0085"),
      isBlankToSglang(" a "),
      isBlankToSglang("\ufeff"),
    ]).toEqual([true, true, false, false]);
  });

  it("accepts whitespace-only strings as input, single or in a list; the empty string stays a 400", async () => {
    const parsed = await parseEmbeddingRequest(
      jsonRequest(
        JSON.stringify({ model: MODEL, input: [" ", "\n\n", "\t", "\u00a0"] }),
      ),
      1 << 20,
    );
    expect(parsed.input).toEqual({
      kind: "text",
      items: [" ", "\n\n", "\t", "\u00a0"],
    });
    expect(
      (
        await parseEmbeddingRequest(
          jsonRequest(JSON.stringify({ model: MODEL, input: "  " })),
          1 << 20,
        )
      ).input,
    ).toEqual({ kind: "text", items: ["  "] });
    expect(await errorOf({ model: MODEL, input: [" ", ""] })).toEqual(
      bad("Input [1] cannot be an empty string.", "input[1]"),
    );
  });

  it("accepts an instruction with input_type query or none", async () => {
    for (const extra of [{ input_type: "query" }, {}]) {
      const parsed = await parseEmbeddingRequest(
        jsonRequest(
          JSON.stringify({
            model: MODEL,
            input: "a",
            instruction: " Find code ",
            ...extra,
          }),
        ),
        1 << 20,
      );
      expect(parsed.instruction).toBe(" Find code ");
    }
  });

  it("sends a blank document as its token ids plus end-of-text, keyed by its text; anything else as text", async () => {
    const request = {
      model: MODEL,
      encoding_format: undefined,
      dimensions: undefined,
      user: undefined,
      input_type: undefined,
      instruction: undefined,
      input: {
        kind: "text" as const,
        items: [" ", "\n\n", "\t", "\u00a0", "a", " "],
      },
    };
    const { unique, slotOf } = await prepareInputs(request);
    expect(unique).toEqual([
      { model: [220, END_OF_TEXT], cacheInput: " ", firstIndex: 0 },
      { model: [271, END_OF_TEXT], cacheInput: "\n\n", firstIndex: 1 },
      { model: [197, END_OF_TEXT], cacheInput: "\t", firstIndex: 2 },
      { model: [4102, END_OF_TEXT], cacheInput: "\u00a0", firstIndex: 3 },
      { model: "a", cacheInput: "a", firstIndex: 4 },
    ]);
    expect(slotOf).toEqual([0, 1, 2, 3, 4, 0]);
    // A query's formatted text starts with the instruction, so it is never blank and goes as text.
    const query = await prepareInputs({
      ...request,
      input: { kind: "text", items: [" "] },
      input_type: "query" as const,
      instruction: "Find",
    });
    expect(query.unique).toEqual([
      {
        model: "Instruct: Find\nQuery: ",
        cacheInput: "Instruct: Find\nQuery: ",
        firstIndex: 0,
      },
    ]);
  });
});

describe("per-input token limit from the context length", () => {
  const ids = (n: number) => ({
    model: Array.from({ length: n }, () => 9707),
    cacheInput: [],
    firstIndex: 0,
  });
  const refusal = (index: number, tokens: number, max: number) => ({
    status: 400,
    body: {
      error: {
        message: `Input [${index}] has ${tokens} tokens, more than the maximum of ${max} tokens per input (end-of-text included).`,
        type: "invalid_request_error",
        param: `input[${index}]`,
        code: "context_length_exceeded",
      },
    },
  });
  async function outcome(...args: Parameters<typeof countAndAdmitTokens>) {
    try {
      return await countAndAdmitTokens(...args);
    } catch (err) {
      if (!(err instanceof ApiError)) throw err;
      const res = err.getResponse();
      return { status: res.status, body: await res.json() };
    }
  }

  it("admits context length - 1 tokens and refuses context length, naming the first over-long input", async () => {
    expect(await outcome([ids(32_767)], [0], 32_768)).toEqual([32_767]);
    expect(await outcome([ids(32_768)], [0], 32_768)).toEqual(
      refusal(0, 32_768, 32_767),
    );
    const several = [
      ids(10),
      { ...ids(600), firstIndex: 2 },
      { ...ids(513), firstIndex: 3 },
    ];
    expect(await outcome(several, [0, 0, 1, 2], 512)).toEqual(
      refusal(2, 600, 511),
    );
  });

  it("refuses an over-long input that the cache already holds, as if it were not cached", async () => {
    expect(
      await outcome([ids(5), { ...ids(1), firstIndex: 1 }], [0, 1], 512, [
        undefined,
        512,
      ]),
    ).toEqual(refusal(1, 512, 511));
  });
});
