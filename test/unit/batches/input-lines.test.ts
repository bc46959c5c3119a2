/** checkInputFile: OpenAI's batch input format, line by line, and the BATCH_* configuration it is checked against. */
import { describe, expect, it } from "vitest";
import { configFrom } from "../../../workers/env";
import { checkInputFile } from "../../../workers/batches/input-lines";

const EP = "/v1/embeddings";
const line = (custom_id: unknown, extra: Record<string, unknown> = {}) => JSON.stringify({ custom_id, method: "POST", url: EP, body: { model: "m", input: "x" }, ...extra });

describe("checkInputFile", () => {
  it("keeps each request with its 1-based line number, skipping blank lines and CRLF endings", () => {
    const text = `${line("a")}\r\n\n   \n${line("b")}\n`;
    expect(checkInputFile(text, EP, 10)).toEqual({
      ok: true,
      lines: [
        { line: 1, custom_id: "a", body: { model: "m", input: "x" } },
        { line: 4, custom_id: "b", body: { model: "m", input: "x" } },
      ],
    });
  });

  it("does not judge the body's fields: each line is validated when it runs, like a request", () => {
    expect(checkInputFile(line("a", { body: { anything: 1 } }), EP, 10)).toMatchObject({ ok: true, lines: [{ body: { anything: 1 } }] });
  });

  it("lists every broken line with OpenAI's error fields", () => {
    const text = [
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
    expect(checkInputFile(text, EP, 100)).toEqual({
      ok: false,
      errors: [
        { line: 1, code: "invalid_json_line", message: "Line 1 is not valid JSON.", param: null },
        { line: 2, code: "invalid_request", message: "Line 2 must be a JSON object.", param: null },
        { line: 3, code: "missing_custom_id", message: "Line 3: 'custom_id' must be a string of 1 to 512 characters.", param: "custom_id" },
        { line: 4, code: "invalid_method", message: 'Line 4: \'method\' must be "POST".', param: "method" },
        { line: 5, code: "mismatched_url", message: "Line 5: 'url' must be the batch's endpoint, /v1/embeddings.", param: "url" },
        { line: 6, code: "invalid_body", message: "Line 6: 'body' must be a JSON object.", param: "body" },
        { line: 8, code: "duplicate_custom_id", message: "Line 8: 'custom_id' \"ok\" is used by an earlier line.", param: "custom_id" },
        { line: 9, code: "missing_custom_id", message: "Line 9: 'custom_id' must be a string of 1 to 512 characters.", param: "custom_id" },
      ],
    });
  });

  it("stops listing at 100 errors", () => {
    const result = checkInputFile("{\n".repeat(250), EP, 1000);
    expect(result.ok).toBe(false);
    expect(!result.ok && result.errors.length).toBe(100);
    expect(!result.ok && result.errors.at(-1)!.line).toBe(100);
  });

  it("refuses an empty file and one over the request limit", () => {
    expect(checkInputFile("\n\n", EP, 10)).toEqual({ ok: false, errors: [{ line: null, code: "empty_file", message: "The input file has no requests.", param: null }] });
    expect(checkInputFile([line("a"), line("b"), line("c")].join("\n"), EP, 2)).toEqual({
      ok: false,
      errors: [{ line: null, code: "too_many_requests", message: "The input file has 3 requests; a batch takes at most 2.", param: null }],
    });
  });
});

describe("BATCH_* configuration", () => {
  const base = { GPU_WORKER_URLS: "http://127.0.0.1:1" };
  it("defaults to OpenAI's limits and a half-price batch lane", () => {
    const config = configFrom(base);
    expect(config.batch).toEqual({ maxRequests: 50_000, maxFileBytes: 200 * 1024 * 1024, linesPerMessage: 100, completionWindowSeconds: 86_400 });
    expect(config.tenancy.pricing.batchPriceFactor).toBe(0.5);
  });

  it.each([
    ["BATCH_MAX_REQUESTS", "50001"],
    ["BATCH_MAX_FILE_BYTES", String(200 * 1024 * 1024 + 1)],
    ["BATCH_LINES_PER_MESSAGE", "0"],
    ["BATCH_PRICE_FACTOR", "1.5"],
  ])("refuses %s=%s, naming it", (name, value) => {
    expect(() => configFrom({ ...base, [name]: value })).toThrow(`invalid configuration: ${name}`);
  });
});
