/**
 * The admin CLI as a function of its arguments and environment: find the command,
 * parse its flags (node:util parseArgs, strict), call the API, print JSON. Kept apart
 * from main.ts so the process glue (exit codes, real stdout) stays trivial.
 */
import { parseArgs } from "node:util";
import { adminClient, CliFailure, type AdminClient } from "./admin-client";
import { COMMANDS, type CommandSpec } from "./commands";
import { commandHelp, globalHelp } from "./help";

export const DEFAULT_ADMIN_URL = "http://127.0.0.1:8787";

export interface CliIo {
  env: Record<string, string | undefined>;
  out(text: string): void;
  err(text: string): void;
  fetch?: typeof fetch;
}

const isHelp = (arg: string) => arg === "--help" || arg === "-h";

function findCommand(argv: string[]): CommandSpec | undefined {
  return COMMANDS.find((c) => c.words.every((word, i) => argv[i] === word));
}

/** Returns the exit status. */
export async function runCli(argv: string[], io: CliIo): Promise<number> {
  const command = findCommand(argv);
  if (command === undefined) {
    const help =
      argv.length === 0 ||
      (argv.length === 1 && isHelp(argv[0]!)) ||
      (argv.length === 2 && isHelp(argv[1]!));
    if (help && argv.length > 0) {
      io.out(
        globalHelp(
          COMMANDS.filter((c) => argv.length === 1 || c.words[0] === argv[0]),
        ),
      );
      return 0;
    }
    io.err(
      argv.length === 0
        ? globalHelp(COMMANDS)
        : `error: unknown command '${argv.slice(0, 2).join(" ")}'\nRun 'npm run admin -- --help' for the commands.\n`,
    );
    return 2;
  }
  const rest = argv.slice(command.words.length);
  if (rest.some(isHelp)) {
    io.out(commandHelp(command));
    return 0;
  }
  try {
    const { positionals, values } = parseFlags(command, rest);
    const client = clientFrom(io);
    const result = await command.run({ positionals, values, client });
    io.out(`${JSON.stringify(result, null, 2)}\n`);
    if (command.notice !== undefined) io.err(`${command.notice}\n`);
    return 0;
  } catch (error) {
    if (!(error instanceof CliFailure)) throw error;
    io.err(`error: ${error.message}\n`);
    if (error.exitCode === 2)
      io.err(
        `Run 'npm run admin -- ${command.words.join(" ")} --help' for usage.\n`,
      );
    return error.exitCode;
  }
}

function parseFlags(
  command: CommandSpec,
  args: string[],
): { positionals: string[]; values: Record<string, string | undefined> } {
  const options = Object.fromEntries(
    Object.keys(command.options).map((flag) => [
      flag,
      { type: "string" as const },
    ]),
  );
  let parsed;
  try {
    parsed = parseArgs({ args, options, allowPositionals: true, strict: true });
  } catch (error) {
    const message = (error as Error).message;
    if (/'--(admin-)?token'/.test(message))
      throw new CliFailure(
        "the admin token is read from ADMIN_TOKEN only, never from a flag",
        2,
      );
    throw new CliFailure(message, 2);
  }
  if (parsed.positionals.length !== command.positionals.length) {
    const expected =
      command.positionals.length === 0
        ? "no arguments"
        : command.positionals.join(" ");
    throw new CliFailure(
      `expected ${expected}, got ${parsed.positionals.length === 0 ? "none" : `'${parsed.positionals.join(" ")}'`}`,
      2,
    );
  }
  const values = parsed.values as Record<string, string | undefined>;
  const missing = Object.entries(command.options).find(
    ([flag, o]) => o.required && values[flag] === undefined,
  );
  if (missing) throw new CliFailure(`--${missing[0]} is required`, 2);
  return { positionals: parsed.positionals, values };
}

function clientFrom(io: CliIo): AdminClient {
  const token = io.env.ADMIN_TOKEN;
  if (!token)
    throw new CliFailure(
      "ADMIN_TOKEN is not set: export it in the environment (it is never taken as a flag)",
      2,
    );
  const url = io.env.ADMIN_URL || DEFAULT_ADMIN_URL;
  if (!URL.canParse(url) || !/^https?:$/.test(new URL(url).protocol))
    throw new CliFailure("ADMIN_URL must be an http(s) URL", 2);
  return adminClient(url, token, io.fetch);
}
