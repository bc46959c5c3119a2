/**
 * A local stand-in for Upstash Redis's REST API: an HTTP server in front of a real
 * redis-server that speaks the protocol @upstash/redis and @upstash/ratelimit use.
 *
 *   POST /            ["SET","k","v","EX",10]       -> {"result":"OK"} | 400 {"error"}
 *   POST /pipeline    [["GET","a"],["INCR","b"]]    -> [{"result"},{"error"},...]
 *   POST /multi-exec  same body, run atomically      -> [{"result"},...] | 400 {"error"}
 *
 * Every request needs `Authorization: Bearer <token>`. `Upstash-Encoding: base64`
 * selects base64 strings in results. Each response carries an `upstash-sync-token`.
 * Redis unreachable -> 503 `{"error": "ERR redis unavailable"}`.
 */
import http, { type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { bearerTokenCheck, UNAUTHORIZED_MESSAGE } from "./auth";
import { requestedEncoding } from "./commands/encoding";
import {
  CommandExecutor,
  RedisUnavailable,
  type Execution,
} from "./commands/execute";
import { CommandRejected } from "./commands/parse";
import { BodyTooLarge, readBody } from "./http-body";
import { connectRedis, redactRedisUrl } from "./redis-connection";
import { ScriptRegistry } from "./scripts";

export interface UpstashBridgeOptions {
  redisUrl: string;
  token: string;
  /** 0 (default) picks a free port. */
  port?: number;
  host?: string;
  /** Largest accepted request body; default 10 MiB. */
  maxBodyBytes?: number;
  /** A Redis command without a reply after this long answers 503; default 10 s. */
  commandTimeoutMs?: number;
  /** How long startup waits for Redis; default 5 s. */
  connectTimeoutMs?: number;
  /** Where log lines go; default stderr. Lines never contain the token. */
  log?: (line: string) => void;
  /** Called after each response, e.g. to count requests in tests. */
  onRequest?: (event: BridgeRequestEvent) => void;
}

export interface BridgeRequestEvent {
  method: string;
  path: string;
  status: number;
  /** Upper-cased command names in the request, in order; never their arguments. */
  commands: string[];
  /** The `upstash-sync-token` the client sent, if any. */
  syncToken: string | undefined;
}

export interface UpstashBridge {
  /** `http://HOST:PORT`, what UPSTASH_REDIS_REST_URL should be. */
  url: string;
  port: number;
  close(): Promise<void>;
}

type Route = "single" | "pipeline" | "transaction";
const ROUTES = new Map<string, Route>([
  ["/", "single"],
  ["/pipeline", "pipeline"],
  ["/multi-exec", "transaction"],
]);

interface Reply {
  status: number;
  body: unknown;
  commands?: string[];
  headers?: Record<string, string>;
}

export async function startUpstashBridge(
  options: UpstashBridgeOptions,
): Promise<UpstashBridge> {
  const host = options.host ?? "127.0.0.1";
  const maxBodyBytes = options.maxBodyBytes ?? 10 * 1024 * 1024;
  const log =
    options.log ??
    ((line: string) => process.stderr.write(`[upstash-bridge] ${line}\n`));
  const isAuthorized = bearerTokenCheck(options.token);

  const connection = await connectRedis({
    redisUrl: options.redisUrl,
    commandTimeoutMs: options.commandTimeoutMs ?? 10_000,
    connectTimeoutMs: options.connectTimeoutMs ?? 5_000,
    log,
  });
  const executor = new CommandExecutor(connection.redis, new ScriptRegistry());

  // One Redis behind one bridge is always consistent, so the sync token only has to
  // exist: @upstash/redis stores it from each response and sends it with the next.
  let syncSequence = 0;

  async function route(request: IncomingMessage): Promise<Reply> {
    if (!isAuthorized(request.headers.authorization))
      return { status: 401, body: { error: UNAUTHORIZED_MESSAGE } };
    const kind = ROUTES.get(pathOf(request));
    if (kind === undefined)
      return { status: 404, body: { error: "Not Found" } };
    if (request.method !== "POST" && request.method !== "PUT") {
      return {
        status: 405,
        body: { error: "Method Not Allowed" },
        headers: { allow: "POST, PUT" },
      };
    }
    if (
      (header(request, "upstash-response-format") ?? "json").toLowerCase() !==
      "json"
    ) {
      return {
        status: 400,
        body: {
          error:
            "ERR the local bridge only answers in JSON (Upstash-Response-Format: json)",
        },
      };
    }

    let parsed: unknown;
    try {
      parsed = JSON.parse(
        (await readBody(request, maxBodyBytes)).toString("utf8"),
      );
    } catch (error) {
      if (error instanceof BodyTooLarge)
        return {
          status: 413,
          body: { error: error.message },
          headers: { connection: "close" },
        };
      if (error instanceof SyntaxError)
        return {
          status: 400,
          body: { error: `ERR invalid JSON body: ${error.message}` },
        };
      throw error;
    }

    const encoding = requestedEncoding(request.headers["upstash-encoding"]);
    let execution: Execution;
    try {
      if (kind === "single")
        execution = await executor.single(parsed, encoding);
      else if (kind === "pipeline")
        execution = await executor.pipeline(parsed, encoding);
      else execution = await executor.transaction(parsed, encoding);
    } catch (error) {
      if (error instanceof CommandRejected)
        return { status: 400, body: { error: error.message } };
      if (error instanceof RedisUnavailable) {
        log(`${request.method} ${pathOf(request)} -> 503: ${error.message}`);
        return { status: 503, body: { error: "ERR redis unavailable" } };
      }
      throw error;
    }
    return {
      ...execution,
      headers: { "upstash-sync-token": String(++syncSequence) },
    };
  }

  async function handle(
    request: IncomingMessage,
    response: ServerResponse,
  ): Promise<void> {
    let reply: Reply;
    try {
      reply = await route(request);
    } catch (error) {
      // Unknown failures are logged in full but answered without their message.
      log(
        `${request.method} ${pathOf(request)} -> 500: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`,
      );
      reply = { status: 500, body: { error: "ERR internal bridge error" } };
    }
    send(response, reply);
    options.onRequest?.({
      method: request.method ?? "",
      path: pathOf(request),
      status: reply.status,
      commands: reply.commands ?? [],
      syncToken: header(request, "upstash-sync-token"),
    });
  }

  const server = http.createServer((request, response) => {
    handle(request, response).catch((error: unknown) =>
      log(`request handling failed: ${String(error)}`),
    );
  });
  try {
    await listen(server, options.port ?? 0, host);
  } catch (error) {
    await connection.close();
    throw error;
  }
  const port = (server.address() as AddressInfo).port;
  const url = `http://${host.includes(":") ? `[${host}]` : host}:${port}`;
  log(`listening on ${url}, redis ${redactRedisUrl(options.redisUrl)}`);

  let closed: Promise<void> | undefined;
  return {
    url,
    port,
    close() {
      closed ??= (async () => {
        const stopped = new Promise<void>((resolve) =>
          server.close(() => resolve()),
        );
        // @upstash/redis keeps connections alive, which would hold close() open: idle ones
        // go now, busy ones get a moment to answer before they are cut.
        server.closeIdleConnections();
        const force = setTimeout(() => server.closeAllConnections(), 1_000);
        await stopped;
        clearTimeout(force);
        await connection.close();
      })();
      return closed;
    },
  };
}

function send(response: ServerResponse, reply: Reply): void {
  const payload = JSON.stringify(reply.body);
  response.writeHead(reply.status, {
    "content-type": "application/json",
    "content-length": Buffer.byteLength(payload),
    ...reply.headers,
  });
  response.end(payload);
}

function pathOf(request: IncomingMessage): string {
  const raw = request.url ?? "/";
  const query = raw.indexOf("?");
  return query === -1 ? raw : raw.slice(0, query);
}

function header(request: IncomingMessage, name: string): string | undefined {
  const value = request.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

function listen(
  server: http.Server,
  port: number,
  host: string,
): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => {
      server.off("error", reject);
      resolve();
    });
  });
}
