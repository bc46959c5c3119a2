/**
 * Commands the bridge refuses. Every HTTP request shares one Redis connection, so a
 * command that changes that connection's state (MULTI, SELECT, SUBSCRIBE...) or blocks
 * it (BLPOP...) would leak into or stall other requests. Upstash's REST API refuses the
 * same families: transactions only through `/multi-exec`, no blocking commands.
 */
import { CommandRejected, type RedisCommand } from "./parse";

const CONNECTION_STATE = [
  "MULTI",
  "EXEC",
  "DISCARD",
  "WATCH",
  "UNWATCH",
  "SELECT",
  "AUTH",
  "HELLO",
  "RESET",
  "QUIT",
  "SUBSCRIBE",
  "PSUBSCRIBE",
  "SSUBSCRIBE",
  "UNSUBSCRIBE",
  "PUNSUBSCRIBE",
  "SUNSUBSCRIBE",
  "MONITOR",
  "SYNC",
  "PSYNC",
  "REPLCONF",
];
const BLOCKING = [
  "BLPOP",
  "BRPOP",
  "BRPOPLPUSH",
  "BLMOVE",
  "BLMPOP",
  "BZPOPMIN",
  "BZPOPMAX",
  "BZMPOP",
  "WAIT",
  "WAITAOF",
];
const REFUSED = new Set([...CONNECTION_STATE, ...BLOCKING]);

/** Throws CommandRejected when `command` must not run on the shared connection. */
export function assertAllowed(command: RedisCommand): void {
  if (
    REFUSED.has(command.name) ||
    isBlockingStreamRead(command) ||
    isClientReply(command)
  ) {
    throw new CommandRejected(
      `ERR Command is not available over the REST bridge: '${command.name.toLowerCase()}'`,
    );
  }
}

// XREAD/XREADGROUP only block with a BLOCK option.
function isBlockingStreamRead(command: RedisCommand): boolean {
  if (command.name !== "XREAD" && command.name !== "XREADGROUP") return false;
  return command.args.some(
    (arg) =>
      arg.length === 5 && arg.toString("latin1").toUpperCase() === "BLOCK",
  );
}

// CLIENT REPLY OFF/SKIP would make the connection drop replies other requests wait for.
function isClientReply(command: RedisCommand): boolean {
  return (
    command.name === "CLIENT" &&
    command.args[0]?.toString("latin1").toUpperCase() === "REPLY"
  );
}
