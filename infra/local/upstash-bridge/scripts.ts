/**
 * Lua scripts that stock Redis would refuse. @upstash/ratelimit's scripts begin with
 * `#!lua flags=allow-key-locking`; Upstash (and Dragonfly) accept that flag, Redis 7
 * answers "ERR Unexpected flag in script shebang". The bridge rewrites the shebang to
 * the flags Redis knows before EVAL / SCRIPT LOAD.
 *
 * Rewriting changes the script's SHA1, but clients call EVALSHA with the SHA1 of the
 * text they hold (ratelimit ships it precomputed; @upstash/redis's Script hashes it).
 * So the registry maps client SHA1 -> SHA1 of the rewritten script and translates
 * EVALSHA, SCRIPT EXISTS and SCRIPT LOAD's reply. A SHA1 it does not know goes to Redis
 * unchanged, so Redis's own NOSCRIPT reaches the client, which then falls back to EVAL.
 */
import { createHash } from "node:crypto";
import type { RedisCommand } from "./commands/parse";

/** Shebang flags Redis 7 accepts for EVAL scripts; any other flag is dropped. */
const REDIS_SCRIPT_FLAGS = new Set([
  "no-writes",
  "allow-oom",
  "allow-stale",
  "no-cluster",
  "allow-cross-slot-keys",
]);

/** Bound on remembered rewrites; an evicted SHA1 only costs the client one NOSCRIPT + EVAL. */
const MAX_MAPPINGS = 1_000;

/** A command ready for Redis, plus how to turn Redis's reply into the client's. */
export interface PreparedCommand extends RedisCommand {
  mapReply?: (reply: unknown) => unknown;
}

export function sha1Hex(bytes: Buffer): string {
  return createHash("sha1").update(bytes).digest("hex");
}

/**
 * Rewrites a `#!lua ...` first line to the options Redis accepts: the engine and the
 * known flags. The newline is kept, so Lua error line numbers still match the client's
 * text. Returns the same Buffer when nothing changes.
 */
export function stripUnsupportedShebangFlags(script: Buffer): Buffer {
  if (script[0] !== 0x23 || script[1] !== 0x21) return script; // "#!"
  const newline = script.indexOf(0x0a);
  const lineEnd = newline === -1 ? script.length : newline;
  const line = script.subarray(0, lineEnd).toString("utf8");
  const carriageReturn = line.endsWith("\r") ? "\r" : "";
  const [engine, ...options] = line
    .slice(2, line.length - carriageReturn.length)
    .trim()
    .split(/\s+/);
  if (engine !== "lua") return script; // Redis reports other engines itself.

  const flags = options
    .filter((option) => option.startsWith("flags="))
    .flatMap((option) => option.slice("flags=".length).split(","))
    .filter((flag) => REDIS_SCRIPT_FLAGS.has(flag));
  const rewritten = `#!lua${flags.length > 0 ? ` flags=${flags.join(",")}` : ""}${carriageReturn}`;
  if (rewritten === line) return script;
  return Buffer.concat([
    Buffer.from(rewritten, "utf8"),
    script.subarray(lineEnd),
  ]);
}

export class ScriptRegistry {
  // Map keeps insertion order, which makes "evict the oldest" a one-liner.
  readonly #serverShaFor = new Map<string, string>();

  /** Rewrites script-related commands; every other command passes through untouched. */
  prepare(command: RedisCommand): PreparedCommand {
    const [first, ...rest] = command.args;
    if (first === undefined) return command;
    switch (command.name) {
      case "EVAL":
      case "EVAL_RO":
        return { ...command, args: [this.#register(first).script, ...rest] };
      case "EVALSHA":
      case "EVALSHA_RO":
        return { ...command, args: [this.#translate(first), ...rest] };
      case "SCRIPT":
        return this.#prepareScriptSubcommand(
          command,
          first.toString("latin1").toUpperCase(),
          rest,
        );
      default:
        return command;
    }
  }

  #prepareScriptSubcommand(
    command: RedisCommand,
    subcommand: string,
    rest: Buffer[],
  ): PreparedCommand {
    const [subcommandArg] = command.args;
    if (subcommandArg === undefined) return command;
    if (subcommand === "LOAD" && rest[0] !== undefined) {
      const { script, clientSha } = this.#register(rest[0]);
      // Redis answers with the rewritten script's SHA1; the client expects its own.
      return {
        ...command,
        args: [subcommandArg, script, ...rest.slice(1)],
        mapReply: (reply) =>
          Buffer.isBuffer(reply) ? Buffer.from(clientSha) : reply,
      };
    }
    if (subcommand === "EXISTS") {
      return {
        ...command,
        args: [subcommandArg, ...rest.map((sha) => this.#translate(sha))],
      };
    }
    if (subcommand === "FLUSH") this.#serverShaFor.clear();
    return command;
  }

  #register(original: Buffer): { script: Buffer; clientSha: string } {
    const clientSha = sha1Hex(original);
    const script = stripUnsupportedShebangFlags(original);
    if (script !== original) {
      // Recorded before Redis runs the script: if it then fails to compile, Redis has no
      // script under that SHA1 and EVALSHA still answers NOSCRIPT, as it should.
      this.#serverShaFor.delete(clientSha);
      this.#serverShaFor.set(clientSha, sha1Hex(script));
      if (this.#serverShaFor.size > MAX_MAPPINGS) {
        const oldest = this.#serverShaFor.keys().next().value;
        if (oldest !== undefined) this.#serverShaFor.delete(oldest);
      }
    }
    return { script, clientSha };
  }

  #translate(sha: Buffer): Buffer {
    const serverSha = this.#serverShaFor.get(
      sha.toString("latin1").toLowerCase(),
    );
    return serverSha === undefined ? sha : Buffer.from(serverSha);
  }
}
