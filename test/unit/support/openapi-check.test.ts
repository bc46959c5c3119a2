/**
 * The integration suites' OpenAPI check (test/support/openapi-check.ts) on a small
 * hand-written document: it must refuse an undocumented status, an undocumented
 * operation, a wrong content type and a body its schema refuses, naming the route.
 */
import { describe, expect, it } from "vitest";
import {
  BrokenEdgeCheck,
  OpenApiCheck,
  operationsOf,
  type OpenApiDocument,
} from "../../support/openapi-check";

const json = (schema: unknown) => ({
  content: { "application/json": { schema } },
});
const DOC: OpenApiDocument = {
  paths: {
    "/v1/things/{id}": {
      get: {
        security: [{ bearerAuth: ["embed"] }],
        responses: {
          200: json({
            type: "object",
            properties: {
              id: { type: "string" },
              at: { type: "string", format: "date-time" },
            },
            required: ["id"],
          }),
          404: json({ $ref: "#/components/schemas/Error" }),
        },
      },
      delete: { responses: { 204: { description: "gone" } } },
    },
  },
  components: {
    schemas: {
      Error: {
        type: "object",
        properties: {
          error: {
            type: "object",
            properties: {
              message: { type: "string" },
              code: { type: ["string", "null"] },
            },
            required: ["message", "code"],
          },
        },
        required: ["error"],
      },
    },
  },
} as unknown as OpenApiDocument;

const answer = (status: number, body?: unknown, type = "application/json") =>
  new Response(body === undefined ? null : JSON.stringify(body), {
    status,
    headers: body === undefined ? {} : { "content-type": type },
  });

describe("OpenApiCheck", () => {
  const check = new OpenApiCheck(DOC);

  it("accepts documented answers, $refs and formats included", async () => {
    await check.check(
      "GET",
      "/v1/things/a1?x=1",
      answer(200, { id: "a1", at: "2025-01-31T00:00:00.000Z" }),
    );
    await check.check(
      "GET",
      "/v1/things/a1",
      answer(404, { error: { message: "no", code: null } }),
    );
    await check.check("DELETE", "/v1/things/a1", answer(204));
    await check.check(
      "GET",
      "/nowhere",
      answer(404, { error: { message: "Unknown route", code: null } }),
    );
  });

  it("refuses an undocumented status, naming the route", async () => {
    await expect(
      check.check("GET", "/v1/things/a1", answer(201, { id: "a1" })),
    ).rejects.toThrow(
      "OpenAPI: GET /v1/things/a1 answered 201, a status not documented for GET /v1/things/{id} (documented: 200, 404)",
    );
  });

  it("refuses a body its schema refuses, naming the schema error", async () => {
    await expect(
      check.check("GET", "/v1/things/a1", answer(200, { id: 7 })),
    ).rejects.toThrow("data/id must be string");
    await expect(
      check.check(
        "GET",
        "/v1/things/a1",
        answer(200, { id: "a", at: "yesterday" }),
      ),
    ).rejects.toThrow('data/at must match format "date-time"');
    await expect(
      check.check(
        "GET",
        "/v1/things/a1",
        answer(404, { error: { message: "no" } }),
      ),
    ).rejects.toThrow("must have required property 'code'");
  });

  it("refuses an undocumented operation unless it is the 404 envelope, and a wrong content type", async () => {
    await expect(
      check.check("POST", "/v1/things/a1", answer(200, { id: "a1" })),
    ).rejects.toThrow("the document has no such operation");
    await expect(
      check.check(
        "GET",
        "/v1/things/a1",
        answer(200, { id: "a1" }, "text/plain"),
      ),
    ).rejects.toThrow("with content type 'text/plain'");
    const bodyWithout = new Response(null, {
      status: 204,
      headers: { "content-type": "application/json" },
    });
    await expect(
      check.check("DELETE", "/v1/things/a1", bodyWithout),
    ).rejects.toThrow(
      "with a 'application/json' body where the document has none",
    );
  });

  it("lists the operations with their security", () => {
    expect(
      operationsOf(DOC).map((o) => [
        o.method,
        o.path,
        o.operation.security ?? null,
      ]),
    ).toEqual([
      ["get", "/v1/things/{id}", [{ bearerAuth: ["embed"] }]],
      ["delete", "/v1/things/{id}", null],
    ]);
  });
});

describe("BrokenEdgeCheck", () => {
  it("accepts only the error the edge answers its document with, enveloped", async () => {
    const check = new BrokenEdgeCheck(500);
    const envelope = {
      error: { message: "bug", type: "server_error", param: null, code: null },
    };
    await check.check("POST", "/v1/embeddings", answer(500, envelope));
    await expect(
      check.check("POST", "/v1/embeddings", answer(503, envelope)),
    ).rejects.toThrow("OpenAPI: POST /v1/embeddings answered 503");
    await expect(
      check.check("GET", "/v1/models", answer(500, { error: "bug" })),
    ).rejects.toThrow("every answer must be that error");
  });
});
