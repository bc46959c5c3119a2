import { Hono } from "hono";
import { describe, expect, it } from "vitest";
import type { AppEnv } from "../../../workers/app-env";
import { requestId } from "../../../workers/middleware/request-id";

/** A real Hono app with only the middleware: answers with the id routes see. */
function app(): Hono<AppEnv> {
  const hono = new Hono<AppEnv>();
  hono.use("*", requestId());
  hono.get("/", (c) => c.text(c.get("requestId")));
  return hono;
}

async function idFor(
  header: string | undefined,
): Promise<{ header: string | null; seen: string }> {
  const res = await app().request(
    "/",
    header === undefined ? {} : { headers: { "x-request-id": header } },
  );
  return { header: res.headers.get("x-request-id"), seen: await res.text() };
}

const GENERATED = /^req_[0-9a-f]{32}$/;

describe("requestId", () => {
  it.each([
    "client-123.abc",
    "trace:01:ab",
    "b64=",
    "under_score",
    "x".repeat(128),
  ])("echoes %s", async (id) => {
    expect(await idFor(id)).toEqual({ header: id, seen: id });
  });

  it.each([undefined, "", "has spaces <script>", "x".repeat(129), "é", "a/b"])(
    "makes a new id for %j",
    async (id) => {
      const { header, seen } = await idFor(id);
      expect(header).toMatch(GENERATED);
      expect(seen).toBe(header);
    },
  );

  it("makes a different id for each request", async () => {
    const [a, b] = await Promise.all([idFor(undefined), idFor(undefined)]);
    expect(a.header).not.toBe(b.header);
  });
});
