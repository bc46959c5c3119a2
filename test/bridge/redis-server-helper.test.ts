// test/support/redis-server.ts, which other suites reuse: ports, restart, crash, errors.
import net from "node:net";
import { Redis as IORedis } from "ioredis";
import { afterEach, describe, expect, it } from "vitest";
import {
  freePort,
  startRedisServer,
  type RedisServer,
} from "../support/redis-server";

const started: RedisServer[] = [];
afterEach(async () => {
  await Promise.all(started.splice(0).map((server) => server.stop()));
});

async function start(
  ...args: Parameters<typeof startRedisServer>
): Promise<RedisServer> {
  const server = await startRedisServer(...args);
  started.push(server);
  return server;
}

async function withClient<T>(
  url: string,
  use: (client: IORedis) => Promise<T>,
): Promise<T> {
  const client = new IORedis(url, {
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
  });
  client.on("error", () => undefined);
  try {
    return await use(client);
  } finally {
    client.disconnect();
  }
}

function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host: "127.0.0.1", port });
    socket.once("connect", () => {
      socket.destroy();
      resolve(true);
    });
    socket.once("error", () => resolve(false));
  });
}

describe("startRedisServer", () => {
  it("starts an answering redis-server on a free port, with persistence off", async () => {
    const server = await start();
    expect(server.url).toBe(`redis://127.0.0.1:${server.port}`);
    expect(server.port).not.toBe(6379);
    await withClient(server.url, async (client) => {
      expect(await client.ping()).toBe("PONG");
      expect(await client.config("GET", "save")).toEqual(["save", ""]);
      expect(await client.config("GET", "appendonly")).toEqual([
        "appendonly",
        "no",
      ]);
    });
  });

  it("gives each call its own server", async () => {
    const [a, b] = await Promise.all([start(), start()]);
    expect(a.port).not.toBe(b.port);
    await withClient(a.url, (client) => client.set("only-in-a", "1"));
    expect(
      await withClient(b.url, (client) => client.exists("only-in-a")),
    ).toBe(0);
  });

  it("restart() comes back empty on the same port; stop() and kill() free it", async () => {
    const server = await start();
    await withClient(server.url, (client) => client.set("k", "v"));
    await server.restart();
    expect(await withClient(server.url, (client) => client.exists("k"))).toBe(
      0,
    );

    await server.kill();
    expect(await accepts(server.port)).toBe(false);
    await server.restart();
    expect(await withClient(server.url, (client) => client.ping())).toBe(
      "PONG",
    );

    await server.stop();
    await server.stop(); // a second stop is a no-op
    expect(await accepts(server.port)).toBe(false);
  });

  it("honours a fixed port and extra arguments", async () => {
    const port = await freePort();
    const server = await start({ port, extraArgs: ["--maxmemory", "10mb"] });
    expect(server.port).toBe(port);
    expect(
      await withClient(server.url, (client) =>
        client.config("GET", "maxmemory"),
      ),
    ).toEqual(["maxmemory", String(10 * 1024 * 1024)]);
  });

  it("fails with one clear line when the port is taken by someone else", async () => {
    const blocker = net.createServer();
    await new Promise<void>((resolve) =>
      blocker.listen(0, "127.0.0.1", resolve),
    );
    const port = (blocker.address() as net.AddressInfo).port;
    try {
      await expect(startRedisServer({ port })).rejects.toThrow(
        `redis-server on port ${port} exited early`,
      );
    } finally {
      blocker.close();
    }
  });

  it("says how to install redis-server when the binary is missing", async () => {
    const path = process.env.PATH;
    process.env.PATH = "/nonexistent";
    try {
      await expect(startRedisServer()).rejects.toThrow(
        "redis-server not found: install it with 'apt-get install redis-server'",
      );
    } finally {
      process.env.PATH = path;
    }
  });
});
