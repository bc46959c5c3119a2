/** checkInputFile: OpenAI's batch input format, line by line, and the BATCH_* configuration it is checked against. */
import { describe, expect, it } from "vitest";
import { configFrom } from "../../../workers/env";
import {
  checkInputFile,
  type InputLine,
} from "../../../workers/batches/input-lines";

const EP = "/v1/embeddings";
const line = (custom_id: unknown, extra: Record<string, unknown> = {}) =>
  JSON.stringify({
    custom_id,
    method: "POST",
    url: EP,
    body: { model: "m", input: "x" },
    ...extra,
  });

/** `text` as a byte stream in chunks of `chunk` bytes (so rows and UTF-8 characters straddle chunks). */
function streamOf(text: string, chunk: number): ReadableStream<Uint8Array> {
  const bytes = new TextEncoder().encode(text);
  let offset = 0;
  return new ReadableStream({
    pull(controller) {
      if (offset >= bytes.length) return controller.close();
      controller.enqueue(bytes.slice(offset, (offset += chunk)));
    },
  });
}

async function check(
  text: string,
  options: { maxRequests?: number; partSize?: number; chunk?: number } = {},
) {
  const parts: [number, InputLine[]][] = [];
  const result = await checkInputFile(
    streamOf(text, options.chunk ?? 7),
    {
      endpoint: EP,
      maxRequests: options.maxRequests ?? 100,
      partSize: options.partSize ?? 2,
    },
    async (part, lines) => void parts.push([part, lines]),
  );
  return { result, parts };
}

const body = { model: "m", input: "x" };

describe("checkInputFile", () => {
  it("writes parts of valid lines with their 1-based row numbers, skipping blank rows and CRLF endings", async () => {
    const text = `${line("a")}\r\n\n   \n${line("b")}\n${line("ü-é")}\n`;
    expect(await check(text)).toEqual({
      result: { ok: true, requests: 3, parts: 2 },
      parts: [
        [
          0,
          [
            { line: 1, custom_id: "a", body },
            { line: 4, custom_id: "b", body },
          ],
        ],
        [1, [{ line: 5, custom_id: "ü-é", body }]],
      ],
    });
  });

  it("reads a last row without a newline", async () => {
    expect((await check(line("a"), { chunk: 1 })).result).toEqual({
      ok: true,
      requests: 1,
      parts: 1,
    });
  });

  it("does not judge the body's fields: each line is validated when it runs, like a request", async () => {
    expect((await check(line("a", { body: { anything: 1 } }))).parts).toEqual([
      [0, [{ line: 1, custom_id: "a", body: { anything: 1 } }]],
    ]);
  });

  it("lists every broken line with OpenAI's error fields, and writes no part after the first error", async () => {
    const text = [
      line("first"),
      line("second"),
      "{oops",
      "[1]",
      line(""),
      line("m", { method: "GET" }),
      line("u", { url: "/v1/chat/completions" }),
      line("b", { body: "text" }),
      line("ok"),
      line("ok"),
      line("x".repeat(513)),
    ].join("\n");
    expect(await check(text)).toEqual({
      result: {
        ok: false,
        errors: [
          {
            line: 3,
            code: "invalid_json_line",
            message: "Line 3 is not valid JSON.",
            param: null,
          },
          {
            line: 4,
            code: "invalid_request",
            message: "Line 4 must be a JSON object.",
            param: null,
          },
          {
            line: 5,
            code: "missing_custom_id",
            message:
              "Line 5: 'custom_id' must be a string of 1 to 512 characters.",
            param: "custom_id",
          },
          {
            line: 6,
            code: "invalid_method",
            message: "Line 6: 'method' must be \"POST\".",
            param: "method",
          },
          {
            line: 7,
            code: "mismatched_url",
            message:
              "Line 7: 'url' must be the batch's endpoint, /v1/embeddings.",
            param: "url",
          },
          {
            line: 8,
            code: "invalid_body",
            message: "Line 8: 'body' must be a JSON object.",
            param: "body",
          },
          {
            line: 10,
            code: "duplicate_custom_id",
            message: "Line 10: 'custom_id' \"ok\" is used by an earlier line.",
            param: "custom_id",
          },
          {
            line: 11,
            code: "missing_custom_id",
            message:
              "Line 11: 'custom_id' must be a string of 1 to 512 characters.",
            param: "custom_id",
          },
        ],
      },
      // The first two lines made a whole part before any error was seen; nothing after.
      parts: [
        [
          0,
          [
            { line: 1, custom_id: "first", body },
            { line: 2, custom_id: "second", body },
          ],
        ],
      ],
    });
  });

  it("stops reading at 100 errors", async () => {
    const { result } = await check("{\n".repeat(250));
    expect(result.ok).toBe(false);
    expect(!result.ok && result.errors.length).toBe(100);
    expect(!result.ok && result.errors.at(-1)!.line).toBe(100);
  });

  it("refuses a file past OpenAI's 50,000 embedding inputs, counting a token-id array as one input", async () => {
    const strings = Array.from({ length: 2048 }, () => "x");
    const lines = Array.from({ length: 24 }, (_, i) =>
      line(`s-${i}`, { body: { model: "m", input: strings } }),
    ); // 49,152 inputs
    const tokenArrays = line("t", {
      body: { model: "m", input: Array.from({ length: 5000 }, () => 7) },
    }); // one input
    const last = line("over", {
      body: { model: "m", input: strings.slice(0, 848) },
    }); // 49,153 + 848 = 50,001
    expect(
      (
        await check([...lines, tokenArrays].join("\n"), {
          partSize: 100,
          chunk: 4096,
        })
      ).result,
    ).toEqual({ ok: true, requests: 25, parts: 1 });
    expect(
      (
        await check([...lines, tokenArrays, last].join("\n"), {
          partSize: 100,
          chunk: 4096,
        })
      ).result,
    ).toEqual({
      ok: false,
      errors: [
        {
          line: 26,
          code: "too_many_inputs",
          message:
            "Line 26 takes the batch past 50000 embedding inputs, the most a batch takes.",
          param: null,
        },
      ],
    });
  });

  it("refuses an empty file and one over the request limit", async () => {
    expect((await check("\n\n")).result).toEqual({
      ok: false,
      errors: [
        {
          line: null,
          code: "empty_file",
          message: "The input file has no requests.",
          param: null,
        },
      ],
    });
    expect(
      (
        await check([line("a"), line("b"), line("c")].join("\n"), {
          maxRequests: 2,
        })
      ).result,
    ).toEqual({
      ok: false,
      errors: [
        {
          line: null,
          code: "too_many_requests",
          message:
            "The input file has more than 2 requests, the most a batch takes.",
          param: null,
        },
      ],
    });
  });
});

describe("BATCH_* configuration", () => {
  const base = { GPU_WORKER_URLS: "http://127.0.0.1:1" };
  it("defaults to OpenAI's limits and a half-price batch lane", () => {
    const config = configFrom(base);
    expect(config.batch).toEqual({
      maxRequests: 50_000,
      maxFileBytes: 200 * 1024 * 1024,
      linesPerMessage: 100,
      completionWindowSeconds: 86_400,
    });
    expect(config.tenancy.pricing.batchPriceFactor).toBe(0.5);
  });

  it.each([
    ["BATCH_MAX_REQUESTS", "50001"],
    ["BATCH_MAX_FILE_BYTES", String(200 * 1024 * 1024 + 1)],
    ["BATCH_LINES_PER_MESSAGE", "0"],
    ["BATCH_PRICE_FACTOR", "1.5"],
  ])("refuses %s=%s, naming it", (name, value) => {
    expect(() => configFrom({ ...base, [name]: value })).toThrow(
      `invalid configuration: ${name}`,
    );
  });
});
