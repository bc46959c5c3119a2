// The bridge's wire protocol, spoken raw over HTTP: shapes, statuses, encodings, auth.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { b64, startBridgeFixture, type BridgeFixture } from "./bridge-fixture";

let fx: BridgeFixture;
const MAX_BODY = 64 * 1024;

beforeAll(async () => {
  fx = await startBridgeFixture({ maxBodyBytes: MAX_BODY });
});
afterAll(async () => {
  await fx?.stop();
});
beforeEach(async () => {
  await fx.post("/", ["FLUSHALL"]);
});

describe("POST / (single command)", () => {
  it("answers {result} in UTF-8 by default: OK, strings, integers, nulls, nested arrays", async () => {
    expect(await fx.post("/", ["SET", "k", "v", "EX", 100])).toMatchObject({
      status: 200,
      body: { result: "OK" },
    });
    expect((await fx.post("/", ["GET", "k"])).body).toEqual({ result: "v" });
    expect((await fx.post("/", ["TTL", "k"])).body).toEqual({ result: 100 });
    expect((await fx.post("/", ["MGET", "k", "missing"])).body).toEqual({
      result: ["v", null],
    });
    expect((await fx.post("/", ["GET", "missing"])).body).toEqual({
      result: null,
    });
    expect(
      (await fx.post("/", ["EVAL", "return {1, 'a', {2, 'b'}, false}", 0]))
        .body,
    ).toEqual({
      result: [1, "a", [2, "b"], null],
    });
  });

  it("turns JSON numbers and booleans into Redis arguments", async () => {
    await fx.post("/", ["SET", "n", 41]);
    expect((await fx.post("/", ["INCRBY", "n", 1])).body).toEqual({
      result: 42,
    });
    await fx.post("/", ["SET", "b", true]);
    expect((await fx.post("/", ["GET", "b"])).body).toEqual({ result: "true" });
  });

  it("answers a failed command with HTTP 400 and Redis's error text", async () => {
    await fx.post("/", ["SET", "s", "text"]);
    expect(await fx.post("/", ["INCR", "s"])).toMatchObject({
      status: 400,
      body: { error: "ERR value is not an integer or out of range" },
    });
    expect(await fx.post("/", ["GET"])).toMatchObject({
      status: 400,
      body: { error: "ERR wrong number of arguments for 'get' command" },
    });
  });

  it("refuses commands that would change or block the shared connection", async () => {
    for (const command of [
      ["MULTI"],
      ["SELECT", 1],
      ["SUBSCRIBE", "c"],
      ["BLPOP", "l", 1],
      ["XREAD", "BLOCK", 0, "STREAMS", "s", "$"],
    ]) {
      const name = String(command[0]).toLowerCase();
      expect(await fx.post("/", command)).toMatchObject({
        status: 400,
        body: {
          error: `ERR Command is not available over the REST bridge: '${name}'`,
        },
      });
    }
    // The connection is still in its normal state: a plain command works.
    expect((await fx.post("/", ["PING"])).body).toEqual({ result: "PONG" });
  });
});

describe("Upstash-Encoding: base64", () => {
  const base64 = { "upstash-encoding": "base64" };

  it("encodes every string, recursively, but leaves a top-level OK, integers and nulls alone", async () => {
    expect((await fx.post("/", ["SET", "k", "héllo"], base64)).body).toEqual({
      result: "OK",
    });
    expect((await fx.post("/", ["GET", "k"], base64)).body).toEqual({
      result: b64("héllo"),
    });
    expect((await fx.post("/", ["MGET", "k", "missing"], base64)).body).toEqual(
      { result: [b64("héllo"), null] },
    );
    expect((await fx.post("/", ["STRLEN", "k"], base64)).body).toEqual({
      result: 6,
    });
    // Inside arrays @upstash/redis base64-decodes every string, so OK must be encoded there.
    const script =
      "return {1, 'a', {2, 'OK'}, redis.status_reply('OK'), false}";
    expect((await fx.post("/", ["EVAL", script, 0], base64)).body).toEqual({
      result: [1, b64("a"), [2, b64("OK")], b64("OK"), null],
    });
  });

  it("leaves error messages unencoded", async () => {
    expect(await fx.post("/", ["GET"], base64)).toMatchObject({
      status: 400,
      body: { error: "ERR wrong number of arguments for 'get' command" },
    });
  });

  it("returns arbitrary bytes exactly; UTF-8 mode replaces invalid sequences with U+FFFD", async () => {
    const bytes = Buffer.from([0x00, 0xff, 0xfe, 0x80, 0x41, 0x00, 0xc3]);
    await fx.direct().set("raw", bytes);
    expect((await fx.post("/", ["GET", "raw"], base64)).body).toEqual({
      result: bytes.toString("base64"),
    });
    expect((await fx.post("/", ["GET", "raw"])).body).toEqual({
      result: "\u0000\ufffd\ufffd\ufffdA\u0000\ufffd",
    });
  });

  it("writes JSON strings to Redis as their exact UTF-8 bytes (NULs, non-ASCII, emoji)", async () => {
    const value = "a\u0000b\u00e9\u4e2d\u{1f600}\n";
    await fx.post("/", ["SET", "text", value]);
    const stored = await fx.direct().getBuffer("text");
    expect(stored?.equals(Buffer.from(value, "utf8"))).toBe(true);
  });
});

describe("POST /pipeline", () => {
  it("answers 200 with one {result} or {error} per command, in order", async () => {
    const response = await fx.post("/pipeline", [
      ["SET", "key1", "valuex"],
      ["SETEX", "key2", 13, "valuez"],
      ["INCR", "key1"],
      ["ZADD", "myset", 11, "item1", 22, "item2"],
      ["MULTI"],
      "not a command",
      ["GET", "key2"],
    ]);
    expect(response.status).toBe(200);
    expect(response.body).toEqual([
      { result: "OK" },
      { result: "OK" },
      { error: "ERR value is not an integer or out of range" },
      { result: 2 },
      { error: "ERR Command is not available over the REST bridge: 'multi'" },
      {
        error:
          'ERR a command must be a non-empty JSON array like ["GET","key"]',
      },
      { result: "valuez" },
    ]);
  });

  it("base64-encodes each item's result on its own", async () => {
    const response = await fx.post(
      "/pipeline",
      [
        ["SET", "k", "v"],
        ["GET", "k"],
        ["MGET", "k", "x"],
      ],
      {
        "upstash-encoding": "base64",
      },
    );
    expect(response.body).toEqual([
      { result: "OK" },
      { result: b64("v") },
      { result: [b64("v"), null] },
    ]);
  });

  it("refuses an empty pipeline", async () => {
    expect(await fx.post("/pipeline", [])).toMatchObject({
      status: 400,
      body: {
        error:
          'ERR the body must be a non-empty JSON array of commands like [["GET","key"]]',
      },
    });
  });
});

describe("POST /multi-exec", () => {
  it("runs the commands atomically; errors while running are per-item, like Redis", async () => {
    const response = await fx.post("/multi-exec", [
      ["SET", "key1", "valuex"],
      ["SETEX", "key2", 13, "valuez"],
      ["INCR", "key1"],
      ["ZADD", "myset", 11, "item1", 22, "item2"],
    ]);
    expect(response.status).toBe(200);
    expect(response.body).toEqual([
      { result: "OK" },
      { result: "OK" },
      { error: "ERR value is not an integer or out of range" },
      { result: 2 },
    ]);
  });

  it("discards the whole transaction on a queueing error: HTTP 400, one {error}, nothing written", async () => {
    const response = await fx.post("/multi-exec", [
      ["SET", "written", "1"],
      ["NOSUCHCOMMAND", "x"],
      ["GET"],
    ]);
    expect(response).toMatchObject({
      status: 400,
      body: {
        error:
          "ERR unknown command 'NOSUCHCOMMAND', with args beginning with: 'x' ",
      },
    });
    expect((await fx.post("/", ["EXISTS", "written"])).body).toEqual({
      result: 0,
    });
  });

  it("discards the whole transaction when the bridge refuses one of its commands", async () => {
    const response = await fx.post("/multi-exec", [
      ["SET", "written", "1"],
      ["WATCH", "x"],
    ]);
    expect(response).toMatchObject({
      status: 400,
      body: {
        error: "ERR Command is not available over the REST bridge: 'watch'",
      },
    });
    expect((await fx.post("/", ["EXISTS", "written"])).body).toEqual({
      result: 0,
    });
  });
});

describe("request handling", () => {
  it("requires the bearer token: missing, wrong, wrong scheme -> 401 with Upstash's text", async () => {
    const unauthorized = {
      status: 401,
      body: { error: "WRONGPASS invalid or missing auth token" },
    };
    expect(await fx.post("/", ["PING"], { authorization: "" })).toMatchObject(
      unauthorized,
    );
    expect(
      await fx.post("/", ["PING"], { authorization: `Bearer ${fx.token}x` }),
    ).toMatchObject(unauthorized);
    expect(
      await fx.post("/", ["PING"], { authorization: "Bearer wrong" }),
    ).toMatchObject(unauthorized);
    expect(
      await fx.post("/", ["PING"], { authorization: `Basic ${fx.token}` }),
    ).toMatchObject(unauthorized);
    expect(
      await fx.post("/pipeline", [["PING"]], { authorization: "Bearer" }),
    ).toMatchObject(unauthorized);
    expect(
      await fx.post("/", ["PING"], { authorization: `bearer ${fx.token}` }),
    ).toMatchObject({
      status: 200,
      body: { result: "PONG" },
    });
  });

  it("answers unknown paths 404 and other methods 405", async () => {
    expect(await fx.post("/get/k", null)).toMatchObject({
      status: 404,
      body: { error: "Not Found" },
    });
    expect(await fx.post("/pipeline/x", [])).toMatchObject({
      status: 404,
      body: { error: "Not Found" },
    });
    const get = await fetch(`${fx.bridge.url}/`, {
      headers: { authorization: `Bearer ${fx.token}` },
    });
    expect(get.status).toBe(405);
    expect(get.headers.get("allow")).toBe("POST, PUT");
    expect(await get.json()).toEqual({ error: "Method Not Allowed" });
  });

  it("answers malformed bodies 400 with an ERR message", async () => {
    expect(await fx.post("/", '["SET",')).toMatchObject({
      status: 400,
      body: { error: "ERR invalid JSON body: Unexpected end of JSON input" },
    });
    expect(await fx.post("/", { cmd: "GET" })).toMatchObject({
      status: 400,
      body: {
        error:
          'ERR a command must be a non-empty JSON array like ["GET","key"]',
      },
    });
    expect(await fx.post("/", [1, "k"])).toMatchObject({
      status: 400,
      body: {
        error:
          "ERR the first element of a command must be the command name (a string)",
      },
    });
    expect(await fx.post("/", ["SET", "k", { nested: 1 }])).toMatchObject({
      status: 400,
      body: {
        error:
          "ERR command arguments must be strings, numbers or booleans, got object",
      },
    });
  });

  it("bounds the body size: over the limit -> 413, at the limit -> accepted", async () => {
    const over = await fx.post("/", ["SET", "big", "x".repeat(MAX_BODY)]);
    expect(over).toMatchObject({
      status: 413,
      body: {
        error: `ERR max request size exceeded: the limit is ${MAX_BODY} bytes`,
      },
    });
    const fits = JSON.stringify(["SET", "big", ""]);
    const exact = await fx.post(
      "/",
      JSON.stringify(["SET", "big", "x".repeat(MAX_BODY - fits.length)]),
    );
    expect(exact).toMatchObject({ status: 200, body: { result: "OK" } });
    expect((await fx.post("/", ["STRLEN", "big"])).body).toEqual({
      result: MAX_BODY - fits.length,
    });
  });

  it("bounds chunked bodies too (no Content-Length)", async () => {
    const chunks = [JSON.stringify(["SET", "big", "x".repeat(MAX_BODY)])];
    const response = await fetch(`${fx.bridge.url}/`, {
      method: "POST",
      headers: { authorization: `Bearer ${fx.token}` },
      body: new ReadableStream({
        pull(controller) {
          const next = chunks.shift();
          if (next === undefined) controller.close();
          else controller.enqueue(new TextEncoder().encode(next));
        },
      }),
      duplex: "half",
    } as RequestInit);
    expect(response.status).toBe(413);
    expect(await response.json()).toEqual({
      error: `ERR max request size exceeded: the limit is ${MAX_BODY} bytes`,
    });
  });

  it("refuses the RESP2 response format, which the bridge does not speak", async () => {
    expect(
      await fx.post("/", ["PING"], { "upstash-response-format": "resp2" }),
    ).toMatchObject({
      status: 400,
      body: {
        error:
          "ERR the local bridge only answers in JSON (Upstash-Response-Format: json)",
      },
    });
  });

  it("sends a fresh upstash-sync-token with every executed request and records the one received", async () => {
    const first = await fx.post("/", ["PING"]);
    const second = await fx.post("/pipeline", [["PING"]], {
      "upstash-sync-token": first.headers.get("upstash-sync-token") ?? "",
    });
    const a = Number(first.headers.get("upstash-sync-token"));
    const b = Number(second.headers.get("upstash-sync-token"));
    expect(Number.isInteger(a) && a > 0).toBe(true);
    expect(b).toBe(a + 1);
    expect(fx.events.at(-1)).toEqual({
      method: "POST",
      path: "/pipeline",
      status: 200,
      commands: ["PING"],
      syncToken: String(a),
    });
  });

  it("never writes the token into its logs", () => {
    expect(fx.logs.length).toBeGreaterThan(0);
    expect(fx.logs.some((line) => line.includes(fx.token))).toBe(false);
  });
});
