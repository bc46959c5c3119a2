// Redis going away and coming back: the bridge answers 503 with an error body while it
// is down (the edge treats that as a cache-tier failure) and recovers by itself.
import { afterAll, beforeAll, expect, it } from "vitest";
import { startBridgeFixture, type BridgeFixture } from "./bridge-fixture";

let fx: BridgeFixture;

beforeAll(async () => {
  // DEBUG SLEEP stands in for a stalled Redis; Redis 7 only allows DEBUG when enabled.
  fx = await startBridgeFixture({ commandTimeoutMs: 2_000 }, [
    "--enable-debug-command",
    "yes",
  ]);
});
afterAll(async () => {
  await fx?.stop();
});

const UNAVAILABLE = { status: 503, body: { error: "ERR redis unavailable" } };

async function until<T>(
  attempt: () => Promise<T>,
  done: (value: T) => boolean,
  timeoutMs = 10_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await attempt();
    if (done(value) || Date.now() > deadline) return value;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

it("answers 503 while redis is down and works again after it restarts, on its own", async () => {
  const redis = fx.client({ enableAutoPipelining: false });
  expect(await redis.set("before", "1")).toBe("OK");

  await fx.redisServer.stop();
  // Every endpoint fails as a whole, at once: no request waits for Redis to return.
  const started = Date.now();
  expect(await fx.post("/", ["GET", "before"])).toMatchObject(UNAVAILABLE);
  expect(
    await fx.post("/pipeline", [
      ["GET", "before"],
      ["INCR", "n"],
    ]),
  ).toMatchObject(UNAVAILABLE);
  expect(await fx.post("/multi-exec", [["INCR", "n"]])).toMatchObject(
    UNAVAILABLE,
  );
  expect(Date.now() - started).toBeLessThan(1_000);
  await expect(redis.get("before")).rejects.toThrow(
    'ERR redis unavailable, command was: ["get","before"]',
  );
  await expect(fx.client().get("before")).rejects.toThrow(
    'ERR redis unavailable, command was: [["get","before"]]',
  );

  await fx.redisServer.restart();
  const recovered = await until(
    () => fx.post("/", ["PING"]),
    (response) => response.status === 200,
  );
  expect(recovered).toMatchObject({ status: 200, body: { result: "PONG" } });
  // A fresh, empty redis-server: the old key is gone, new writes work through the client.
  expect(await redis.get("before")).toBeNull();
  expect(await redis.set("after", "2")).toBe("OK");
  expect(await fx.client().get("after")).toBe(2);

  // One line when the connection dropped, one when it came back; no token in either.
  expect(
    fx.logs.filter(
      (line) =>
        /connection closed|unavailable:/.test(line) &&
        line.startsWith("redis "),
    ).length,
  ).toBe(1);
  expect(fx.logs.filter((line) => line.endsWith("reconnected")).length).toBe(1);
  expect(fx.logs.some((line) => line.includes(fx.token))).toBe(false);
});

it("fails a command in flight when redis crashes, instead of replaying it later", async () => {
  // DEBUG SLEEP holds the reply while redis is killed underneath it (SIGKILL: a SIGTERM
  // would wait for the sleep to end and still send the reply).
  const started = Date.now();
  const pending = fx.post("/", ["DEBUG", "SLEEP", "1"]);
  await new Promise((resolve) => setTimeout(resolve, 200));
  await fx.redisServer.kill();
  expect(await pending).toMatchObject(UNAVAILABLE);
  expect(Date.now() - started).toBeLessThan(1_000);

  await fx.redisServer.restart();
  const recovered = await until(
    () => fx.post("/", ["PING"]),
    (response) => response.status === 200,
  );
  expect(recovered.status).toBe(200);
});

it("answers 503 when redis stalls past the command timeout, and keeps working after", async () => {
  const started = Date.now();
  // commandTimeoutMs is 2 s in this file; the sleep outlasts it.
  expect(await fx.post("/", ["DEBUG", "SLEEP", "3"])).toMatchObject(
    UNAVAILABLE,
  );
  expect(Date.now() - started).toBeGreaterThanOrEqual(2_000);
  expect(Date.now() - started).toBeLessThan(3_000);
  // The late reply is matched to the timed-out command, not to the next one.
  expect(await fx.post("/", ["ECHO", "next"])).toMatchObject({
    status: 200,
    body: { result: "next" },
  });
});
