/** Help texts, generated from the command table so they cannot drift from what runs. */
import type { CommandSpec } from "./commands";

const RUN = "npm run admin --";

export function commandLine(spec: CommandSpec): string {
  const options = Object.entries(spec.options).map(([flag, o]) =>
    o.required ? `--${flag} ${o.value}` : `[--${flag} ${o.value}]`,
  );
  return [...spec.words, ...spec.positionals, ...options].join(" ");
}

/** Words, arguments and required flags; "[options]" stands for the optional flags. */
function synopsis(spec: CommandSpec): string {
  const options = Object.entries(spec.options);
  const required = options
    .filter(([, o]) => o.required)
    .map(([flag, o]) => `--${flag} ${o.value}`);
  const optional = options.some(([, o]) => !o.required) ? ["[options]"] : [];
  return [...spec.words, ...spec.positionals, ...required, ...optional].join(
    " ",
  );
}

export function globalHelp(commands: CommandSpec[]): string {
  const lines = commands.map((c) => [synopsis(c), c.summary] as const);
  const width = Math.max(...lines.map(([l]) => l.length));
  return [
    `Usage: ${RUN} <command> [options]`,
    "",
    "Manages tenants, API keys and webhook secrets through the edge's admin API (/admin/v1).",
    "",
    "Commands:",
    ...lines.map(([line, summary]) => `  ${line.padEnd(width)}  ${summary}`),
    "",
    "Environment:",
    "  ADMIN_URL    base URL of the edge (default: http://127.0.0.1:8787)",
    "  ADMIN_TOKEN  the admin token (required). Read from the environment only, never from a",
    "               flag, so it stays out of shell history and process listings.",
    "",
    "Prints the API's answer as JSON. Exit status: 0 done, 1 the API or the network failed",
    "(its message is printed), 2 the command line is wrong.",
    `Run '${RUN} <command> --help' for a command's options.`,
    "",
  ].join("\n");
}

export function commandHelp(spec: CommandSpec): string {
  const options = Object.entries(spec.options).map(
    ([flag, o]) =>
      [
        `--${flag} ${o.value}`,
        o.description + (o.required ? " (required)" : ""),
      ] as const,
  );
  const width = Math.max(0, ...options.map(([l]) => l.length));
  return [
    `Usage: ${RUN} ${commandLine(spec)}`,
    "",
    `${spec.summary}.${spec.details ? ` ${spec.details}` : ""}`,
    ...(options.length > 0
      ? [
          "",
          "Options:",
          ...options.map(([l, d]) => `  ${l.padEnd(width)}  ${d}`),
        ]
      : []),
    "",
  ].join("\n");
}
