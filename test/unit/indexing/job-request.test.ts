/**
 * `parseJobRequest` and `__proto__` inside document metadata: JSON.parse keeps it as an
 * own key, the schema would drop it silently, so it is refused with a 400 naming where
 * it is; metadata without it passes through byte for byte. Metadata nested past 32 levels
 * is a 400 too, where it used to overflow JSON.stringify's stack (a 500).
 */
import { describe, expect, it } from "vitest";
import { ApiError } from "../../../workers/errors/api-error";
import type { IndexingConfig } from "../../../workers/env";
import { parseJobRequest } from "../../../workers/indexing/job-request";

const CONFIG = {
  maxDocuments: 10,
  maxDocumentBytes: 1024,
  allowLoopbackUrls: false,
} as IndexingConfig;

function refusal(text: string): { status: number; body: unknown } {
  try {
    parseJobRequest(JSON.parse(text), CONFIG);
  } catch (error) {
    if (error instanceof ApiError)
      return { status: error.status, body: error.body };
    throw error;
  }
  throw new Error("expected a refusal");
}

describe("metadata checked before the schema: __proto__ keys and depth", () => {
  it("refuses metadata nested past 32 levels with a 400 (a 100,000-deep array would overflow JSON.stringify), and takes 32", () => {
    const nested = (depth: number) =>
      `${"[".repeat(depth - 1)}${"]".repeat(depth - 1)}`;
    const body = (depth: number) =>
      `{"documents":[{"id":"a","text":"x","metadata":{"d":${nested(depth)}}}]}`;
    // metadata itself is level 1, so "d" holding n-1 nested arrays reaches level n.
    expect(
      JSON.stringify(
        parseJobRequest(JSON.parse(body(32)), CONFIG).documents[0]?.metadata,
      ),
    ).toBe(`{"d":${nested(32)}}`);
    for (const depth of [33, 100_000]) {
      expect(refusal(body(depth))).toEqual({
        status: 400,
        body: {
          message: "Document metadata may be nested at most 32 levels deep.",
          type: "invalid_request_error",
          param: "documents[0].metadata",
          code: null,
        },
      });
    }
  });

  it("JSON.parse keeps it as an own key (what the check relies on)", () => {
    expect(Object.keys(JSON.parse('{"__proto__":{"a":1},"b":2}'))).toEqual([
      "__proto__",
      "b",
    ]);
  });

  it("is refused at the top level of metadata, naming the field", () => {
    const body =
      '{"documents":[{"id":"a","text":"x"},{"id":"b","text":"y","metadata":{"ok":1,"__proto__":{"admin":true}}}]}';
    expect(refusal(body)).toEqual({
      status: 400,
      body: {
        message:
          "Document metadata may not contain the key '__proto__' (at documents[1].metadata.__proto__).",
        type: "invalid_request_error",
        param: "documents[1].metadata.__proto__",
        code: "metadata_key_not_allowed",
      },
    });
  });

  it("is refused nested in objects and arrays, and with a primitive value", () => {
    const body =
      '{"documents":[{"id":"a","text":"x","metadata":{"tags":[{"k":"v"},{"__proto__":"s"}]}}]}';
    expect(refusal(body)).toEqual({
      status: 400,
      body: {
        message:
          "Document metadata may not contain the key '__proto__' (at documents[0].metadata.tags[1].__proto__).",
        type: "invalid_request_error",
        param: "documents[0].metadata.tags[1].__proto__",
        code: "metadata_key_not_allowed",
      },
    });
  });

  it("keeps other keys, including 'constructor' and 'prototype', exactly as sent", () => {
    const metadata =
      '{"constructor":{"prototype":1},"nested":{"a":[1,"two",null]},"proto":"x"}';
    const job = parseJobRequest(
      JSON.parse(
        `{"documents":[{"id":"a","text":"x","metadata":${metadata}}]}`,
      ),
      CONFIG,
    );
    expect(JSON.stringify(job.documents[0]?.metadata)).toBe(metadata);
  });
});

describe("instruction rules, the same as /v1/embeddings'", () => {
  const envelope = (message: string) => ({
    status: 400,
    body: {
      message,
      type: "invalid_request_error",
      param: "instruction",
      code: null,
    },
  });

  it("refuses an instruction with input_type document (it would be dropped silently)", () => {
    const body =
      '{"documents":[{"id":"a","text":"x"}],"input_type":"document","instruction":"Find answers"}';
    expect(refusal(body)).toEqual(
      envelope(
        "'instruction' applies only to queries; it cannot be used with input_type 'document'.",
      ),
    );
  });

  it("refuses a whitespace-only instruction", () => {
    expect(
      refusal('{"documents":[{"id":"a","text":"x"}],"instruction":" \\n\\t"}'),
    ).toEqual(envelope("'instruction' cannot be only whitespace."));
  });

  it("accepts an instruction with input_type query, or alone", () => {
    for (const extra of ['"input_type":"query",', ""]) {
      const job = parseJobRequest(
        JSON.parse(
          `{"documents":[{"id":"a","text":"x"}],${extra}"instruction":"Find answers"}`,
        ),
        CONFIG,
      );
      expect(job.instruction).toBe("Find answers");
    }
  });
});
