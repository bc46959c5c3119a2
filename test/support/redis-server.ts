/**
 * Ephemeral `redis-server` processes for tests: one per call, on a free loopback port,
 * with persistence off so nothing is written to disk and a restart starts empty.
 * `restart()` keeps the port, which is what outage tests need: clients configured with
 * the old URL must find the new process by themselves; `kill()` simulates a crash.
 */
import { spawn, type ChildProcess } from "node:child_process";
import net from "node:net";
import os from "node:os";

export interface RedisServer {
  port: number;
  /** `redis://127.0.0.1:PORT` */
  url: string;
  /** Stops the process and waits for it to exit. Safe to call twice. */
  stop(): Promise<void>;
  /** Stops the process (if running) and starts a fresh, empty one on the same port. */
  restart(): Promise<void>;
  /** SIGKILL, for crash tests: connections drop mid-command, nothing is flushed. */
  kill(): Promise<void>;
}

export interface StartRedisServerOptions {
  /** A fixed port; by default a free one is picked (and re-picked if it is taken meanwhile). */
  port?: number;
  /** How long to wait for the first PONG. */
  startTimeoutMs?: number;
  /** Extra `redis-server` arguments, e.g. `["--maxmemory", "10mb"]`. */
  extraArgs?: string[];
}

const HOST = "127.0.0.1";
const NOT_FOUND =
  "redis-server not found: install it with 'apt-get install redis-server'";
const PORT_ATTEMPTS = 5;

// Children still running when the test process exits are killed, so an aborted run
// does not leave redis-server processes holding ports.
const live = new Set<ChildProcess>();
process.once("exit", () => {
  for (const child of live) child.kill("SIGKILL");
});

// One free-port helper for the whole repo (the local stack uses it too).
export { freePort } from "../../infra/local/free-port";
import { freePort } from "../../infra/local/free-port";

export async function startRedisServer(
  options: StartRedisServerOptions = {},
): Promise<RedisServer> {
  const timeoutMs = options.startTimeoutMs ?? 10_000;
  const extraArgs = options.extraArgs ?? [];

  let port = options.port ?? 0;
  let child: ChildProcess | null = null;
  // Between freePort() and redis binding the port another process may take it; only a
  // port we picked ourselves is worth re-picking.
  for (let attempt = 1; ; attempt++) {
    if (options.port === undefined) port = await freePort();
    try {
      child = await spawnAndWait(port, extraArgs, timeoutMs);
      break;
    } catch (error) {
      const retry =
        options.port === undefined &&
        attempt < PORT_ATTEMPTS &&
        error instanceof PortTakenError;
      if (!retry) throw error;
    }
  }

  const stop = async (signal: NodeJS.Signals = "SIGTERM"): Promise<void> => {
    const current = child;
    child = null;
    if (current) await terminate(current, signal);
  };

  return {
    port,
    url: `redis://${HOST}:${port}`,
    stop: () => stop(),
    kill: () => stop("SIGKILL"),
    async restart() {
      await stop();
      child = await spawnAndWait(port, extraArgs, timeoutMs);
    },
  };
}

class PortTakenError extends Error {}

async function spawnAndWait(
  port: number,
  extraArgs: string[],
  timeoutMs: number,
): Promise<ChildProcess> {
  const args = [
    "--port",
    String(port),
    "--bind",
    HOST,
    "--save",
    "",
    "--appendonly",
    "no",
    ...extraArgs,
  ];
  // cwd is the temp dir so that nothing redis might write lands in the repository.
  const child = spawn("redis-server", args, {
    cwd: os.tmpdir(),
    stdio: ["ignore", "pipe", "pipe"],
  });
  live.add(child);
  child.once("exit", () => live.delete(child));

  let output = "";
  const collect = (chunk: Buffer) => {
    output = (output + chunk.toString("utf8")).slice(-4_000);
  };
  child.stdout?.on("data", collect);
  child.stderr?.on("data", collect);

  const failed = new Promise<never>((_, reject) => {
    child.once("error", (error: NodeJS.ErrnoException) => {
      reject(error.code === "ENOENT" ? new Error(NOT_FOUND) : error);
    });
    child.once("exit", (code, signal) => {
      const tail = output.trim().split("\n").slice(-3).join(" | ");
      const message = `redis-server on port ${port} exited early (code ${code}, signal ${signal}): ${tail}`;
      reject(
        /Address already in use/i.test(output)
          ? new PortTakenError(message)
          : new Error(message),
      );
    });
  });
  // Keep the rejection handled even when readiness wins the race below.
  failed.catch(() => undefined);

  try {
    await Promise.race([waitForPong(port, timeoutMs), failed]);
  } catch (error) {
    await terminate(child);
    throw error;
  }
  return child;
}

async function waitForPong(port: number, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await ping(port)) return;
    if (Date.now() > deadline)
      throw new Error(
        `redis-server on port ${port} did not answer PING within ${timeoutMs} ms`,
      );
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** One inline-command PING over a fresh socket; true on `+PONG`. */
function ping(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host: HOST, port });
    let reply = "";
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(500, () => done(false));
    socket.once("error", () => done(false));
    socket.once("connect", () => socket.write("PING\r\n"));
    socket.on("data", (chunk) => {
      reply += chunk.toString("latin1");
      if (reply.includes("\r\n")) done(reply.startsWith("+PONG"));
    });
  });
}

async function terminate(
  child: ChildProcess,
  signal: NodeJS.Signals = "SIGTERM",
): Promise<void> {
  // No pid: the spawn itself failed (ENOENT), so there is no process to wait for.
  if (
    child.pid === undefined ||
    child.exitCode !== null ||
    child.signalCode !== null
  )
    return;
  const exited = new Promise<void>((resolve) =>
    child.once("exit", () => resolve()),
  );
  child.kill(signal);
  const timer = setTimeout(() => child.kill("SIGKILL"), 5_000);
  await exited;
  clearTimeout(timer);
}
