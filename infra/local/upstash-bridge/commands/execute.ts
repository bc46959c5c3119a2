/**
 * Runs the three Upstash request kinds against Redis and shapes the answers as Upstash
 * does:
 *
 * - `/`: `{"result": ...}`, or HTTP 400 `{"error": "ERR ..."}` when the command fails.
 * - `/pipeline`: always 200 with one `{"result"}` or `{"error"}` per command; a failed
 *   command does not fail the request.
 * - `/multi-exec`: like a pipeline, but atomic (MULTI ... EXEC). Commands that fail
 *   while running are per-item errors, as in Redis; a transaction Redis discards as a
 *   whole (EXECABORT: an unknown command, wrong arity) or that the bridge refuses is
 *   HTTP 400 with a single `{"error"}`, the first cause.
 *
 * Redis being unreachable is never an item error: the whole request fails with
 * RedisUnavailable (HTTP 503), because no command's outcome is known.
 */
import type { Redis } from "ioredis";
import { isReplyError } from "../redis-connection";
import type { PreparedCommand, ScriptRegistry } from "../scripts";
import { encodeReply, type JsonReply, type ResponseEncoding } from "./encoding";
import { CommandRejected, parseCommand, parseCommandList } from "./parse";
import { assertAllowed } from "./policy";

export type ItemOutcome = { result: JsonReply } | { error: string };
export interface Execution {
  status: number;
  body: ItemOutcome | ItemOutcome[];
  /** Upper-cased command names, for request logs and tests; never arguments. */
  commands: string[];
}

/** Redis did not answer (down, restarting, stalled). */
export class RedisUnavailable extends Error {
  override name = "RedisUnavailable";
}

type PipelineResult = [error: Error | null, reply: unknown][];

export class CommandExecutor {
  readonly #redis: Redis;
  readonly #scripts: ScriptRegistry;

  constructor(redis: Redis, scripts: ScriptRegistry) {
    this.#redis = redis;
    this.#scripts = scripts;
  }

  async single(body: unknown, encoding: ResponseEncoding): Promise<Execution> {
    const command = this.#prepare(body);
    const commands = [command.name];
    try {
      const reply = await this.#redis.callBuffer(
        command.wireName,
        ...command.args,
      );
      return { status: 200, body: success(command, reply, encoding), commands };
    } catch (error) {
      if (isReplyError(error))
        return { status: 400, body: { error: error.message }, commands };
      throw unavailable(error);
    }
  }

  async pipeline(
    body: unknown,
    encoding: ResponseEncoding,
  ): Promise<Execution> {
    // A command the bridge refuses is that item's error; the others still run.
    const slots = parseCommandList(body).map(
      (item): PreparedCommand | CommandRejected => {
        try {
          return this.#prepare(item);
        } catch (error) {
          if (error instanceof CommandRejected) return error;
          throw error;
        }
      },
    );
    const runnable = slots.filter(
      (slot): slot is PreparedCommand => !(slot instanceof CommandRejected),
    );
    const results = runnable.length > 0 ? await this.#run(runnable, false) : [];

    let next = 0;
    const outcomes = slots.map((slot): ItemOutcome => {
      if (slot instanceof CommandRejected) return { error: slot.message };
      return outcome(slot, results[next++], encoding);
    });
    return { status: 200, body: outcomes, commands: slots.map(commandName) };
  }

  async transaction(
    body: unknown,
    encoding: ResponseEncoding,
  ): Promise<Execution> {
    // A refused command discards the whole transaction, as an unsupported one does at Upstash.
    const commands = parseCommandList(body).map((item) => this.#prepare(item));
    const names = commands.map(commandName);
    let results: PipelineResult;
    try {
      results = await this.#run(commands, true);
    } catch (error) {
      if (!isReplyError(error)) throw error;
      // EXECABORT: ioredis attaches the errors that made Redis discard the transaction.
      const cause =
        (error as Error & { previousErrors?: Error[] }).previousErrors?.[0] ??
        error;
      return { status: 400, body: { error: cause.message }, commands: names };
    }
    const outcomes = commands.map((command, i) =>
      outcome(command, results[i], encoding),
    );
    return { status: 200, body: outcomes, commands: names };
  }

  #prepare(value: unknown): PreparedCommand {
    const command = parseCommand(value);
    assertAllowed(command);
    return this.#scripts.prepare(command);
  }

  async #run(
    commands: PreparedCommand[],
    atomic: boolean,
  ): Promise<PipelineResult> {
    const batch = atomic ? this.#redis.multi() : this.#redis.pipeline();
    for (const command of commands)
      batch.callBuffer(command.wireName, ...command.args);
    let results: PipelineResult | null;
    try {
      results = await batch.exec();
    } catch (error) {
      if (isReplyError(error)) throw error;
      throw unavailable(error);
    }
    // exec() resolves null only for a transaction aborted by WATCH, which the policy refuses.
    if (results === null || results.length !== commands.length) {
      throw new RedisUnavailable("Redis returned no result for the batch");
    }
    // Any non-reply error (connection lost mid-batch, timeout) makes every outcome unknown.
    const lost = results.find(
      ([error]) => error !== null && !isReplyError(error),
    );
    if (lost) throw unavailable(lost[0]);
    return results;
  }
}

function commandName(slot: PreparedCommand | CommandRejected): string {
  return slot instanceof CommandRejected ? "(rejected)" : slot.name;
}

function outcome(
  command: PreparedCommand,
  result: PipelineResult[number] | undefined,
  encoding: ResponseEncoding,
): ItemOutcome {
  if (result === undefined)
    throw new RedisUnavailable("Redis returned too few results");
  const [error, reply] = result;
  return error ? { error: error.message } : success(command, reply, encoding);
}

function success(
  command: PreparedCommand,
  reply: unknown,
  encoding: ResponseEncoding,
): ItemOutcome {
  return {
    result: encodeReply(
      command.mapReply ? command.mapReply(reply) : reply,
      encoding,
    ),
  };
}

function unavailable(error: unknown): RedisUnavailable {
  return new RedisUnavailable(
    error instanceof Error ? error.message : String(error),
    { cause: error },
  );
}
