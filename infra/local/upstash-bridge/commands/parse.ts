/**
 * Turns request bodies into Redis commands. Upstash's body form is a JSON array whose
 * first element is the command name; @upstash/redis sends strings, numbers and
 * booleans as arguments. Arguments become UTF-8 bytes here, so what a client wrote as
 * a JSON string reaches Redis byte for byte (NULs and non-ASCII included).
 */

export interface RedisCommand {
  /** Upper-cased, for policy and script checks. */
  name: string;
  /** As the client spelled it; sent to Redis so that its error messages quote it. */
  wireName: string;
  args: Buffer[];
}

/** A request the bridge refuses before Redis sees it (HTTP 400, `{"error": message}`). */
export class CommandRejected extends Error {
  override name = "CommandRejected";
}

export function parseCommand(value: unknown): RedisCommand {
  if (!Array.isArray(value) || value.length === 0) {
    throw new CommandRejected(
      'ERR a command must be a non-empty JSON array like ["GET","key"]',
    );
  }
  const [head, ...rest] = value as unknown[];
  if (typeof head !== "string" || head.length === 0) {
    throw new CommandRejected(
      "ERR the first element of a command must be the command name (a string)",
    );
  }
  return {
    name: head.toUpperCase(),
    wireName: head,
    args: rest.map(toArgument),
  };
}

/** The body of `/pipeline` and `/multi-exec`: a non-empty array of commands. */
export function parseCommandList(value: unknown): unknown[] {
  if (!Array.isArray(value) || value.length === 0) {
    throw new CommandRejected(
      'ERR the body must be a non-empty JSON array of commands like [["GET","key"]]',
    );
  }
  return value;
}

function toArgument(value: unknown): Buffer {
  switch (typeof value) {
    case "string":
      return Buffer.from(value, "utf8");
    case "number":
      // JSON has no NaN or Infinity, so String() gives Redis a number it can parse.
      return Buffer.from(String(value), "utf8");
    case "boolean":
      return Buffer.from(value ? "true" : "false", "utf8");
    default:
      throw new CommandRejected(
        `ERR command arguments must be strings, numbers or booleans, got ${value === null ? "null" : typeof value}`,
      );
  }
}
