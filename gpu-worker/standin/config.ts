/**
 * The stand-in's settings: their defaults, their validation (zod, failing with a clear
 * message before anything listens), and how the CLI reads them from flags and STANDIN_*
 * environment variables (flags win). Nothing else in the stand-in reads process.env.
 */
import { parseArgs } from "node:util";
import { z } from "zod";
import {
  ENGINE_PERSONALITIES,
  type EnginePersonality,
} from "./personalities/personality";
import { faultPatchSchema, MALFORMED_KINDS, type FaultPatch } from "./faults";
import {
  DEFAULT_MAX_TOKENS_PER_PASS,
  LATENCY_PROFILE_NAMES,
  type LatencyProfileName,
} from "./latency";

export const DEFAULT_MODEL_PATH = "Qwen/Qwen3-Embedding-4B";
export const DEFAULT_CONTEXT_LENGTH = 32768;
/** SGLang's own default port, used by the CLI; startStandin defaults to a free port. */
export const DEFAULT_CLI_PORT = 30000;

const optionsSchema = z
  .object({
    port: z.number().int().min(0).max(65535).default(0),
    host: z.string().min(1).default("127.0.0.1"),
    modelPath: z.string().min(1).default(DEFAULT_MODEL_PATH),
    servedModelName: z.string().min(1).optional(),
    contextLength: z.number().int().positive().default(DEFAULT_CONTEXT_LENGTH),
    apiKey: z.string().min(1).nullable().default(null),
    profile: z
      .enum(
        LATENCY_PROFILE_NAMES as [LatencyProfileName, ...LatencyProfileName[]],
      )
      .default("none"),
    maxTokensPerPass: z
      .number()
      .int()
      .positive()
      .default(DEFAULT_MAX_TOKENS_PER_PASS),
    faults: faultPatchSchema.default({}),
    maxBodyBytes: z
      .number()
      .int()
      .positive()
      .default(64 * 1024 * 1024),
    engine: z.enum(ENGINE_PERSONALITIES).default("sglang"),
  })
  .strict();

/** What startStandin accepts; every field is optional. */
export type StandinOptions = z.input<typeof optionsSchema>;

/** Options with defaults filled in. */
export interface StandinConfig extends Omit<
  z.output<typeof optionsSchema>,
  "servedModelName"
> {
  servedModelName: string;
}

export function resolveOptions(options: StandinOptions): StandinConfig {
  const parsed = optionsSchema.safeParse(options);
  if (!parsed.success) {
    throw new Error(
      `invalid stand-in options:\n${z.prettifyError(parsed.error)}`,
    );
  }
  return {
    ...parsed.data,
    servedModelName: parsed.data.servedModelName ?? parsed.data.modelPath,
  };
}

type Kind = "int" | "number" | "string" | "json";

interface Setting {
  flag: string;
  env: string;
  kind: Kind;
  help: string;
  set(o: StandinOptions, faults: FaultPatch, value: unknown): void;
}

const SETTINGS: Setting[] = [
  {
    flag: "engine",
    env: "STANDIN_ENGINE",
    kind: "string",
    help: `protocol to speak: ${ENGINE_PERSONALITIES.join(" | ")} (default sglang)`,
    set: (o, _, v) => (o.engine = v as EnginePersonality),
  },
  {
    flag: "port",
    env: "STANDIN_PORT",
    kind: "int",
    help: `port (CLI default ${DEFAULT_CLI_PORT}; 0 = free port)`,
    set: (o, _, v) => (o.port = v as number),
  },
  {
    flag: "host",
    env: "STANDIN_HOST",
    kind: "string",
    help: "interface to bind (default 127.0.0.1)",
    set: (o, _, v) => (o.host = v as string),
  },
  {
    flag: "model-path",
    env: "STANDIN_MODEL_PATH",
    kind: "string",
    help: `model path reported in responses (default ${DEFAULT_MODEL_PATH})`,
    set: (o, _, v) => (o.modelPath = v as string),
  },
  {
    flag: "served-model-name",
    env: "STANDIN_SERVED_MODEL_NAME",
    kind: "string",
    help: "id in /v1/models (default: the model path)",
    set: (o, _, v) => (o.servedModelName = v as string),
  },
  {
    flag: "context-length",
    env: "STANDIN_CONTEXT_LENGTH",
    kind: "int",
    help: `inputs with this many tokens or more are refused (default ${DEFAULT_CONTEXT_LENGTH})`,
    set: (o, _, v) => (o.contextLength = v as number),
  },
  {
    flag: "api-key",
    env: "STANDIN_API_KEY",
    kind: "string",
    help: "require Authorization: Bearer <key> on all but /health*",
    set: (o, _, v) => (o.apiKey = v as string),
  },
  {
    flag: "profile",
    env: "STANDIN_PROFILE",
    kind: "string",
    help: "latency profile: none (default) or l4",
    set: (o, _, v) => (o.profile = v as LatencyProfileName),
  },
  {
    flag: "max-tokens-per-pass",
    env: "STANDIN_MAX_TOKENS_PER_PASS",
    kind: "int",
    help: `tokens per forward pass (default ${DEFAULT_MAX_TOKENS_PER_PASS})`,
    set: (o, _, v) => (o.maxTokensPerPass = v as number),
  },
  {
    flag: "error-rate",
    env: "STANDIN_ERROR_RATE",
    kind: "number",
    help: "share of calls that fail, 0..1 (default 0)",
    set: (_, f, v) => (f.errorRate = v as number),
  },
  {
    flag: "error-status",
    env: "STANDIN_ERROR_STATUS",
    kind: "int",
    help: "status of injected failures (default 503)",
    set: (_, f, v) => (f.errorStatus = v as number),
  },
  {
    flag: "retry-after",
    env: "STANDIN_RETRY_AFTER",
    kind: "int",
    help: "Retry-After seconds on injected 503/429 (default none)",
    set: (_, f, v) => (f.retryAfterS = v as number),
  },
  {
    flag: "delay-ms",
    env: "STANDIN_DELAY_MS",
    kind: "number",
    help: "delay added to every embeddings call (default 0)",
    set: (_, f, v) => (f.delayMs = v as number),
  },
  {
    flag: "malformed",
    env: "STANDIN_MALFORMED",
    kind: "string",
    help: `malformed vectors: ${MALFORMED_KINDS.join(" | ")}`,
    set: (_, f, v) => (f.malformed = v as FaultPatch["malformed"]),
  },
  {
    flag: "malformed-rate",
    env: "STANDIN_MALFORMED_RATE",
    kind: "number",
    help: "share of vectors malformed, 0..1 (default 1)",
    set: (_, f, v) => (f.malformedRate = v as number),
  },
  {
    flag: "seed",
    env: "STANDIN_SEED",
    kind: "int",
    help: "seed of the fault generator (default 1)",
    set: (_, f, v) => (f.seed = v as number),
  },
  {
    flag: "fail-inputs",
    env: "STANDIN_FAIL_INPUTS",
    kind: "json",
    help: "JSON list of inputs (texts or token-id lists) whose calls fail, e.g. '[\"bad\",[1,151643]]'",
    set: (_, f, v) => (f.failInputs = v as FaultPatch["failInputs"]),
  },
  {
    flag: "fail-input-status",
    env: "STANDIN_FAIL_INPUT_STATUS",
    kind: "int",
    help: "status of calls holding a failing input (default 500)",
    set: (_, f, v) => (f.failInputStatus = v as number),
  },
];

function convert(setting: Setting, raw: string, source: string): unknown {
  if (setting.kind === "string") return raw;
  if (setting.kind === "json") {
    try {
      return JSON.parse(raw);
    } catch {
      throw new Error(`${source}: expected JSON, got ${JSON.stringify(raw)}`);
    }
  }
  const n = raw.trim() === "" ? NaN : Number(raw);
  if (!Number.isFinite(n) || (setting.kind === "int" && !Number.isInteger(n))) {
    throw new Error(
      `${source}: expected ${setting.kind === "int" ? "an integer" : "a number"}, got ${JSON.stringify(raw)}`,
    );
  }
  return n;
}

export function usage(): string {
  const lines = SETTINGS.map(
    (s) => `  --${s.flag.padEnd(20)} ${s.env.padEnd(28)} ${s.help}`,
  );
  return [
    "usage: npm run gpu-standin -- [flags]",
    "  flag                   env",
    ...lines,
  ].join("\n");
}

/**
 * parseArgs' complaint in this CLI's words: `unknown argument "--x"` (it quotes the
 * argument in its message), or `--flag needs a value`.
 */
function argvProblem(argv: readonly string[], error: unknown): string {
  const code = (error as { code?: unknown }).code;
  const message = error instanceof Error ? error.message : String(error);
  if (
    code === "ERR_PARSE_ARGS_UNKNOWN_OPTION" ||
    code === "ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL"
  ) {
    const quoted = /'([^']*)'/.exec(message)?.[1] ?? message;
    return `unknown argument ${JSON.stringify(quoted)}`;
  }
  if (code === "ERR_PARSE_ARGS_INVALID_OPTION_VALUE") {
    const flag =
      /(--[a-z-]+)/.exec(message)?.[1] ?? argv[argv.length - 1] ?? "";
    return `${flag} needs a value`;
  }
  return message;
}

/** CLI options from `argv` (after the script name) and `env`; flags override env. */
export function optionsFromArgsAndEnv(
  argv: readonly string[],
  env: Readonly<Record<string, string | undefined>>,
): StandinOptions {
  const options: StandinOptions = { port: DEFAULT_CLI_PORT };
  const faults: FaultPatch = {};
  for (const s of SETTINGS) {
    const raw = env[s.env];
    if (raw !== undefined && raw !== "")
      s.set(options, faults, convert(s, raw, s.env));
  }
  let values: Record<string, string | boolean | undefined>;
  try {
    ({ values } = parseArgs({
      args: [...argv],
      options: Object.fromEntries(
        SETTINGS.map((s) => [s.flag, { type: "string" as const }]),
      ),
      strict: true,
      allowPositionals: false,
    }));
  } catch (error) {
    throw new Error(`${argvProblem(argv, error)}\n${usage()}`);
  }
  for (const setting of SETTINGS) {
    const raw = values[setting.flag];
    if (typeof raw !== "string") continue;
    setting.set(options, faults, convert(setting, raw, `--${setting.flag}`));
  }
  return { ...options, faults };
}
