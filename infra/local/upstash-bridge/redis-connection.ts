/**
 * The bridge's one connection to redis-server, tuned so that an outage is reported
 * instead of hidden. ioredis by default queues commands while disconnected and replays
 * them after reconnecting; for an HTTP bridge that means requests hanging until Redis
 * returns, and non-idempotent commands (INCR) possibly running twice. Here commands
 * fail at once while Redis is away (the HTTP layer answers 503) and ioredis keeps
 * reconnecting in the background, so the bridge recovers by itself.
 */
import { Redis, ReplyError } from "ioredis";

export interface RedisConnectionOptions {
  redisUrl: string;
  /** A command without a reply after this long fails (Redis stalled rather than gone). */
  commandTimeoutMs: number;
  /** How long startup waits for the first connection before giving up. */
  connectTimeoutMs: number;
  log: (line: string) => void;
}

/** Redis answered with an error reply: the command failed, Redis is fine (HTTP 400). */
export function isReplyError(error: unknown): error is Error {
  return error instanceof ReplyError;
}

/** `redis://user:secret@host` -> `redis://user:***@host`, for log lines. */
export function redactRedisUrl(redisUrl: string): string {
  try {
    const url = new URL(redisUrl);
    if (url.password) url.password = "***";
    return url.toString();
  } catch {
    return "<unparseable redis url>";
  }
}

export interface RedisConnection {
  redis: Redis;
  /** Closes the connection for good (no reconnect, no outage log line). */
  close(): Promise<void>;
}

export async function connectRedis(
  options: RedisConnectionOptions,
): Promise<RedisConnection> {
  const where = redactRedisUrl(options.redisUrl);
  const redis = new Redis(options.redisUrl, {
    lazyConnect: true,
    enableOfflineQueue: false,
    // 0: commands in flight when the connection drops fail with it instead of waiting
    // for a reconnect, and are not re-sent afterwards.
    maxRetriesPerRequest: 0,
    autoResendUnfulfilledCommands: false,
    commandTimeout: options.commandTimeoutMs,
    // Reconnect forever, at most 500 ms apart, so recovery is quick after a restart.
    retryStrategy: (attempt) => Math.min(attempt * 50, 500),
  });

  // ioredis emits "error" on every failed reconnect attempt; one line per outage is
  // enough. Without a listener the event would crash the process.
  let down = false;
  let closing = false;
  redis.on("error", (error: Error) => {
    if (down || closing) return;
    down = true;
    options.log(`redis ${where} unavailable: ${error.message}`);
  });
  redis.on("ready", () => {
    if (!down) return;
    down = false;
    options.log(`redis ${where} reconnected`);
  });
  redis.on("close", () => {
    if (down || closing) return;
    down = true;
    options.log(`redis ${where} connection closed; reconnecting`);
  });

  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      redis.connect(),
      new Promise<never>((_, reject) => {
        timer = setTimeout(
          () =>
            reject(
              new Error(`no connection within ${options.connectTimeoutMs} ms`),
            ),
          options.connectTimeoutMs,
        );
      }),
    ]);
  } catch (error) {
    redis.disconnect();
    throw new Error(
      `cannot reach redis at ${where}: ${error instanceof Error ? error.message : String(error)}`,
    );
  } finally {
    clearTimeout(timer);
  }
  return {
    redis,
    async close() {
      closing = true;
      // QUIT lets Redis finish what is in flight; if Redis is away, just drop the socket.
      await redis.quit().catch(() => redis.disconnect());
    },
  };
}
