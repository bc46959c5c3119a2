/**
 * `parseJobRequest` and `__proto__` inside document metadata: JSON.parse keeps it as an
 * own key, the schema would drop it silently, so it is refused with a 400 naming where
 * it is; metadata without it passes through byte for byte.
 */
import { describe, expect, it } from "vitest";
import { ApiError } from "../../../workers/errors/api-error";
import type { IndexingConfig } from "../../../workers/env";
import { parseJobRequest } from "../../../workers/indexing/job-request";

const CONFIG = { maxDocuments: 10, maxDocumentBytes: 1024, allowLoopbackUrls: false } as IndexingConfig;

function refusal(text: string): { status: number; body: unknown } {
  try {
    parseJobRequest(JSON.parse(text), CONFIG);
  } catch (error) {
    if (error instanceof ApiError) return { status: error.status, body: error.body };
    throw error;
  }
  throw new Error("expected a refusal");
}

describe("__proto__ in metadata", () => {
  it("JSON.parse keeps it as an own key (what the check relies on)", () => {
    expect(Object.keys(JSON.parse('{"__proto__":{"a":1},"b":2}'))).toEqual(["__proto__", "b"]);
  });

  it("is refused at the top level of metadata, naming the field", () => {
    const body = '{"documents":[{"id":"a","text":"x"},{"id":"b","text":"y","metadata":{"ok":1,"__proto__":{"admin":true}}}]}';
    expect(refusal(body)).toEqual({
      status: 400,
      body: {
        message: "Document metadata may not contain the key '__proto__' (at documents[1].metadata.__proto__).",
        type: "invalid_request_error",
        param: "documents[1].metadata.__proto__",
        code: "metadata_key_not_allowed",
      },
    });
  });

  it("is refused nested in objects and arrays, and with a primitive value", () => {
    const body = '{"documents":[{"id":"a","text":"x","metadata":{"tags":[{"k":"v"},{"__proto__":"s"}]}}]}';
    expect(refusal(body)).toEqual({
      status: 400,
      body: {
        message: "Document metadata may not contain the key '__proto__' (at documents[0].metadata.tags[1].__proto__).",
        type: "invalid_request_error",
        param: "documents[0].metadata.tags[1].__proto__",
        code: "metadata_key_not_allowed",
      },
    });
  });

  it("keeps other keys, including 'constructor' and 'prototype', exactly as sent", () => {
    const metadata = '{"constructor":{"prototype":1},"nested":{"a":[1,"two",null]},"proto":"x"}';
    const job = parseJobRequest(JSON.parse(`{"documents":[{"id":"a","text":"x","metadata":${metadata}}]}`), CONFIG);
    expect(JSON.stringify(job.documents[0]?.metadata)).toBe(metadata);
  });

});
