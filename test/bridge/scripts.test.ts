// The shebang rewrite and SHA1 mapping, byte for byte, plus a real redis-server check
// that the rewritten scripts are ones Redis accepts.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseCommand } from "../../infra/local/upstash-bridge/commands/parse";
import {
  ScriptRegistry,
  sha1Hex,
  stripUnsupportedShebangFlags,
} from "../../infra/local/upstash-bridge/scripts";
import { startBridgeFixture, type BridgeFixture } from "./bridge-fixture";

const strip = (text: string) =>
  stripUnsupportedShebangFlags(Buffer.from(text, "utf8")).toString("utf8");

describe("stripUnsupportedShebangFlags", () => {
  it.each([
    ["#!lua flags=allow-key-locking\nreturn 1", "#!lua\nreturn 1"],
    [
      "#!lua flags=allow-key-locking,no-writes\nreturn 1",
      "#!lua flags=no-writes\nreturn 1",
    ],
    [
      "#!lua flags=no-writes,allow-key-locking,allow-oom\r\nreturn 1",
      "#!lua flags=no-writes,allow-oom\r\nreturn 1",
    ],
    [
      "#!lua name=x flags=allow-stale\nreturn 1",
      "#!lua flags=allow-stale\nreturn 1",
    ],
    ["#!lua flags=allow-key-locking", "#!lua"],
  ])("%j -> %j", (input, output) => {
    expect(strip(input)).toBe(output);
  });

  it("returns the same buffer when there is nothing to change", () => {
    for (const text of [
      "return 1",
      "#!lua\nreturn 1",
      "#!lua flags=no-writes\nreturn 1",
      "#!js flags=x\n",
      "-- #!lua flags=allow-key-locking\n",
    ]) {
      const script = Buffer.from(text);
      expect(stripUnsupportedShebangFlags(script)).toBe(script);
    }
  });

  it("keeps the script body byte-exact, including non-UTF-8 bytes", () => {
    const body = Buffer.from([
      0x0a, 0x72, 0x65, 0x74, 0x75, 0x72, 0x6e, 0x20, 0x27, 0xff, 0x00, 0x27,
    ]);
    const script = Buffer.concat([
      Buffer.from("#!lua flags=allow-key-locking"),
      body,
    ]);
    expect(
      stripUnsupportedShebangFlags(script).equals(
        Buffer.concat([Buffer.from("#!lua"), body]),
      ),
    ).toBe(true);
  });
});

describe("ScriptRegistry", () => {
  const original = "#!lua flags=allow-key-locking\nreturn 1";
  const rewritten = "#!lua\nreturn 1";
  const args = (command: { args: Buffer[] }) =>
    command.args.map((arg) => arg.toString("utf8"));

  it("maps the client's SHA1 to the rewritten script's after EVAL", () => {
    const registry = new ScriptRegistry();
    const clientSha = sha1Hex(Buffer.from(original));
    expect(
      args(registry.prepare(parseCommand(["EVALSHA", clientSha, 0]))),
    ).toEqual([clientSha, "0"]);
    expect(
      args(registry.prepare(parseCommand(["EVAL", original, 1, "k"]))),
    ).toEqual([rewritten, "1", "k"]);
    const serverSha = sha1Hex(Buffer.from(rewritten));
    expect(
      args(
        registry.prepare(parseCommand(["evalsha", clientSha.toUpperCase(), 0])),
      ),
    ).toEqual([serverSha, "0"]);
    expect(
      args(
        registry.prepare(parseCommand(["SCRIPT", "EXISTS", clientSha, "abc"])),
      ),
    ).toEqual(["EXISTS", serverSha, "abc"]);
    registry.prepare(parseCommand(["SCRIPT", "FLUSH"]));
    expect(
      args(registry.prepare(parseCommand(["EVALSHA", clientSha, 0]))),
    ).toEqual([clientSha, "0"]);
  });

  it("answers SCRIPT LOAD with the client's SHA1", () => {
    const prepared = new ScriptRegistry().prepare(
      parseCommand(["SCRIPT", "LOAD", original]),
    );
    expect(args(prepared)).toEqual(["LOAD", rewritten]);
    const reply = prepared.mapReply?.(
      Buffer.from(sha1Hex(Buffer.from(rewritten))),
    );
    expect(Buffer.isBuffer(reply) && reply.toString()).toBe(
      sha1Hex(Buffer.from(original)),
    );
  });
});

describe("against redis-server", () => {
  let fx: BridgeFixture;
  beforeAll(async () => {
    fx = await startBridgeFixture();
  });
  afterAll(async () => {
    await fx?.stop();
  });

  it("Redis refuses ratelimit's flag as shipped; through the bridge the script loads under the client's SHA1", async () => {
    const script = "#!lua flags=allow-key-locking\nreturn 1";
    await expect(fx.direct().script("LOAD", script)).rejects.toThrow(
      "ERR Unexpected flag in script shebang: allow-key-locking",
    );
    const redis = fx.client({ enableAutoPipelining: false });
    expect(await redis.scriptLoad(script)).toBe(sha1Hex(Buffer.from(script)));
    // Redis holds the rewritten script, under the rewritten script's SHA1.
    expect(
      await fx
        .direct()
        .script("EXISTS", sha1Hex(Buffer.from("#!lua\nreturn 1"))),
    ).toEqual([1]);
  });
});
