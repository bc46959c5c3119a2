// @upstash/redis 1.39, as the edge uses it, against the bridge and a real redis-server.
import { createHash } from "node:crypto";
import { Redis as CloudflareRedis } from "@upstash/redis/cloudflare";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { startBridgeFixture, type BridgeFixture } from "./bridge-fixture";

let fx: BridgeFixture;

beforeAll(async () => {
  fx = await startBridgeFixture();
});
afterAll(async () => {
  await fx?.stop();
});
beforeEach(async () => {
  const direct = fx.direct();
  await direct.flushall();
  // Scripts outlive FLUSHALL; each test starts with Redis's script cache empty.
  await direct.script("FLUSH");
  fx.events.length = 0;
});

const sha1 = (text: string) =>
  createHash("sha1").update(text, "utf8").digest("hex");

describe("plain commands", () => {
  it("set/get/mget/del/expire/ttl", async () => {
    const redis = fx.client({ enableAutoPipelining: false });
    expect(await redis.set("a", "alpha")).toBe("OK");
    expect(await redis.set("b", "beta", { ex: 100 })).toBe("OK");
    expect(await redis.get("a")).toBe("alpha");
    expect(await redis.mget("a", "b", "missing")).toEqual([
      "alpha",
      "beta",
      null,
    ]);
    expect(await redis.ttl("b")).toBe(100);
    expect(await redis.ttl("a")).toBe(-1);
    expect(await redis.expire("a", 50)).toBe(1);
    expect(await redis.ttl("a")).toBe(50);
    expect(await redis.del("a", "b", "missing")).toBe(2);
    expect(await redis.get("a")).toBeNull();
    expect(await redis.ttl("a")).toBe(-2);
    // Every one of those was its own POST / (auto-pipelining off).
    expect(fx.events.map((e) => e.path)).toEqual(Array(11).fill("/"));
  });

  it("works with the Cloudflare build of the client, which the edge imports", async () => {
    const redis = new CloudflareRedis({
      url: fx.bridge.url,
      token: fx.token,
      enableTelemetry: false,
    });
    expect(await redis.set("cf", "édge", { ex: 60 })).toBe("OK");
    expect(await Promise.all([redis.get("cf"), redis.ttl("cf")])).toEqual([
      "édge",
      60,
    ]);
  });

  it("round-trips objects as JSON and numbers as numbers (the client's own (de)serialization)", async () => {
    const redis = fx.client();
    await redis.set("obj", { vector: [0.5, -1], id: "x" });
    expect(await redis.get("obj")).toEqual({ vector: [0.5, -1], id: "x" });
    await redis.set("num", 42);
    expect(await redis.incr("num")).toBe(43);
    expect(await redis.get("num")).toBe(43);
  });

  it("is binary-safe: base64 payloads and strings with NULs and non-ASCII come back byte-exact", async () => {
    const redis = fx.client();
    const bytes = Buffer.from(Array.from({ length: 256 }, (_, i) => i));
    const values = {
      b64: bytes.toString("base64"),
      nul: "a\u0000b\u0000",
      text: "héllo wörld 中文 \u{1f600} \t\r\n\"'\\",
    };
    for (const [key, value] of Object.entries(values))
      await redis.set(key, value);
    for (const [key, value] of Object.entries(values)) {
      expect(await redis.get(key)).toBe(value);
      // Redis holds exactly the UTF-8 bytes of what the client sent.
      expect(
        (await fx.direct().getBuffer(key))?.equals(Buffer.from(value, "utf8")),
      ).toBe(true);
    }
    expect(
      Buffer.from((await redis.get<string>("b64")) ?? "", "base64").equals(
        bytes,
      ),
    ).toBe(true);
  });

  it("throws a failed command's error with Redis's message", async () => {
    const redis = fx.client({ enableAutoPipelining: false });
    await redis.set("s", "text");
    await expect(redis.incr("s")).rejects.toThrow(
      'ERR value is not an integer or out of range, command was: ["incr","s"]',
    );
    // The same through the auto-pipeline: the per-item error becomes the thrown error.
    await expect(fx.client().incr("s")).rejects.toThrow(
      "Command failed: ERR value is not an integer or out of range",
    );
  });

  it("refuses a wrong token with Upstash's 401 text", async () => {
    const redis = fx.client({
      token: "not-the-token",
      enableAutoPipelining: false,
    });
    await expect(redis.get("k")).rejects.toThrow(
      'WRONGPASS invalid or missing auth token, command was: ["get","k"]',
    );
    expect(fx.events.at(-1)?.status).toBe(401);
  });

  it("carries the sync token from each response into the next request (read-your-writes)", async () => {
    const redis = fx.client({ enableAutoPipelining: false });
    await redis.set("k", "v");
    const token = redis.readYourWritesSyncToken;
    expect(token).toMatch(/^\d+$/);
    await redis.get("k");
    expect(fx.events.map((e) => e.syncToken)).toEqual(["", token]);
  });
});

describe("pipelining", () => {
  it("auto-pipelining sends concurrent commands in one /pipeline request", async () => {
    const redis = fx.client({ enableAutoPipelining: true });
    const writes = await Promise.all([
      redis.set("p1", "one"),
      redis.set("p2", "two"),
      redis.incr("counter"),
    ]);
    expect(writes).toEqual(["OK", "OK", 1]);
    const reads = await Promise.all([
      redis.get("p1"),
      redis.get("p2"),
      redis.mget("p1", "p2", "nope"),
    ]);
    expect(reads).toEqual(["one", "two", ["one", "two", null]]);
    // The client splits reads from writes: exactly one request for each batch.
    expect(fx.events.map(({ path, commands }) => ({ path, commands }))).toEqual(
      [
        { path: "/pipeline", commands: ["SET", "SET", "INCR"] },
        { path: "/pipeline", commands: ["GET", "GET", "MGET"] },
      ],
    );
  });

  it("auto-pipelining keeps per-command errors per command", async () => {
    const redis = fx.client({ enableAutoPipelining: true });
    await redis.set("s", "text");
    const [ok, failed, after] = await Promise.allSettled([
      redis.set("x", "1"),
      redis.incr("s"),
      redis.incr("n"),
    ]);
    expect(ok).toEqual({ status: "fulfilled", value: "OK" });
    expect(failed.status).toBe("rejected");
    expect((failed as PromiseRejectedResult).reason.message).toBe(
      "Command failed: ERR value is not an integer or out of range",
    );
    expect(after).toEqual({ status: "fulfilled", value: 1 });
  });

  it("explicit pipeline: results in order; keepErrors shows per-item errors", async () => {
    const redis = fx.client({ enableAutoPipelining: false });
    const results = await redis
      .pipeline()
      .set("k", "v")
      .incr("n")
      .get("k")
      .mget("k", "nope")
      .exec();
    expect(results).toEqual(["OK", 1, "v", ["v", null]]);

    await redis.set("s", "text");
    const kept = await redis
      .pipeline()
      .set("a", "1")
      .incr("s")
      .get("a")
      .exec({ keepErrors: true });
    expect(kept).toEqual([
      { result: "OK", error: undefined },
      {
        result: undefined,
        error: "ERR value is not an integer or out of range",
      },
      { result: 1, error: undefined },
    ]);
    await expect(
      redis.pipeline().set("b", "1").incr("s").exec(),
    ).rejects.toThrow(
      "Command 2 [ incr ] failed: ERR value is not an integer or out of range",
    );
    // The failed pipeline still ran its other commands.
    expect(await redis.get("b")).toBe(1);
  });

  it("multi-exec: atomic results, per-item errors, and a discarded transaction throws", async () => {
    const redis = fx.client({ enableAutoPipelining: false });
    expect(await redis.multi().set("m", "1").incr("m").get("m").exec()).toEqual(
      ["OK", 2, 2],
    );
    expect(fx.events.at(-1)).toMatchObject({
      path: "/multi-exec",
      status: 200,
      commands: ["SET", "INCR", "GET"],
    });

    await redis.set("s", "text");
    const kept = await redis
      .multi()
      .incr("s")
      .incr("m")
      .exec({ keepErrors: true });
    expect(kept).toEqual([
      {
        result: undefined,
        error: "ERR value is not an integer or out of range",
      },
      { result: 3, error: undefined },
    ]);

    // Redis 7.0 does not know HEXPIRE (7.4+), so it refuses it while queueing and
    // discards the whole transaction: HTTP 400, which the client throws.
    await expect(
      redis.multi().set("never", "1").hexpire("h", "f", 10).exec(),
    ).rejects.toThrow(
      `ERR unknown command 'hexpire', with args beginning with: 'h' '10' 'FIELDS' '1' 'f' , command was: [["set","never","1"],["hexpire","h",10,"FIELDS",1,"f"]]`,
    );
    expect(await redis.exists("never")).toBe(0);
  });
});

describe("scripts", () => {
  const script =
    "#!lua flags=allow-key-locking,no-writes\nreturn {KEYS[1], ARGV[1], redis.call('GET', KEYS[1])}";

  it("EVAL accepts a script with a flag stock Redis rejects", async () => {
    const redis = fx.client();
    await redis.set("sk", "stored");
    expect(await redis.eval(script, ["sk"], ["arg"])).toEqual([
      "sk",
      "arg",
      "stored",
    ]);
    // Known flags survive the rewrite: no-writes still forbids writes.
    const writing =
      "#!lua flags=allow-key-locking,no-writes\nreturn redis.call('SET', KEYS[1], 'x')";
    await expect(redis.eval(writing, ["sk"], [])).rejects.toThrow(
      "Write commands are not allowed from read-only scripts",
    );
  });

  it("EVALSHA with an unknown SHA answers NOSCRIPT; Script.exec then falls back to EVAL once", async () => {
    const redis = fx.client();
    const loaded = redis.createScript<[string, string, string]>(script);
    await redis.set("sk", "stored");
    fx.events.length = 0;

    expect(await loaded.exec(["sk"], ["first"])).toEqual([
      "sk",
      "first",
      "stored",
    ]);
    expect(await loaded.exec(["sk"], ["second"])).toEqual([
      "sk",
      "second",
      "stored",
    ]);
    // First call: EVALSHA (NOSCRIPT) then EVAL; second call: EVALSHA with the client's
    // own SHA1 succeeds, because the bridge maps it to the rewritten script.
    expect(fx.events.map((e) => e.commands)).toEqual([
      ["EVALSHA"],
      ["EVAL"],
      ["EVALSHA"],
    ]);

    const raw = await fx.post("/", ["EVALSHA", "f".repeat(40), 0]);
    expect(raw).toMatchObject({
      status: 400,
      body: { error: "NOSCRIPT No matching script. Please use EVAL." },
    });
  });

  it("SCRIPT LOAD returns the client's SHA1 of the original text; EVALSHA and SCRIPT EXISTS accept it", async () => {
    const redis = fx.client({ enableAutoPipelining: false });
    const sha = await redis.scriptLoad(script);
    expect(sha).toBe(sha1(script));
    expect(await redis.scriptExists(sha, "0".repeat(40))).toEqual([1, 0]);
    await redis.set("sk", "v");
    expect(await redis.evalsha(sha, ["sk"], ["a"])).toEqual(["sk", "a", "v"]);
    await redis.scriptFlush();
    await expect(redis.evalsha(sha, ["sk"], ["a"])).rejects.toThrow(
      "NOSCRIPT No matching script. Please use EVAL.",
    );
  });

  it("scripts without a shebang pass through unchanged", async () => {
    const redis = fx.client({ enableAutoPipelining: false });
    const plain = "return ARGV[1]";
    expect(await redis.scriptLoad(plain)).toBe(sha1(plain));
    expect(await redis.evalsha(sha1(plain), [], ["x"])).toBe("x");
  });
});
