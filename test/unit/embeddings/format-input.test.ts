import { describe, expect, it } from "vitest";
import {
  DEFAULT_QUERY_INSTRUCTION,
  formatTextInput,
} from "../../../workers/embeddings/format-input";

describe("instruction template", () => {
  it("formats queries exactly, with no space after Query:", () => {
    expect(
      formatTextInput("what is rust?", "query", DEFAULT_QUERY_INSTRUCTION),
    ).toBe(
      "Instruct: Given a web search query, retrieve relevant passages that answer the query\nQuery:what is rust?",
    );
    expect(formatTextInput("x", "query", "Find code")).toBe(
      "Instruct: Find code\nQuery:x",
    );
  });

  it("sends documents verbatim", () => {
    expect(
      formatTextInput("  a document  ", "document", DEFAULT_QUERY_INSTRUCTION),
    ).toBe("  a document  ");
  });
});
