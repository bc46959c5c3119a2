// Flags and STANDIN_* environment variables become startStandin options; flags win,
// and bad values fail with a message naming the flag or variable.
import { describe, expect, it } from "vitest";
import {
  optionsFromArgsAndEnv,
  resolveOptions,
} from "../../gpu-worker/standin/config";
import { startStandin } from "../../gpu-worker/standin/server";

describe("CLI and environment options", () => {
  it("defaults to SGLang's port 30000 and no faults", () => {
    expect(optionsFromArgsAndEnv([], {})).toEqual({ port: 30000, faults: {} });
  });

  it("reads every STANDIN_* variable", () => {
    const env = {
      STANDIN_PORT: "0",
      STANDIN_HOST: "0.0.0.0",
      STANDIN_MODEL_PATH: "/models/q",
      STANDIN_SERVED_MODEL_NAME: "q",
      STANDIN_CONTEXT_LENGTH: "512",
      STANDIN_API_KEY: "k",
      STANDIN_PROFILE: "l4",
      STANDIN_MAX_TOKENS_PER_PASS: "1024",
      STANDIN_ERROR_RATE: "0.25",
      STANDIN_ERROR_STATUS: "429",
      STANDIN_RETRY_AFTER: "3",
      STANDIN_DELAY_MS: "12.5",
      STANDIN_MALFORMED: "nan",
      STANDIN_MALFORMED_RATE: "0.5",
      STANDIN_SEED: "99",
      STANDIN_FAIL_INPUTS: '["bad",[1,151643]]',
      STANDIN_FAIL_INPUT_STATUS: "400",
    };
    expect(optionsFromArgsAndEnv([], env)).toEqual({
      port: 0,
      host: "0.0.0.0",
      modelPath: "/models/q",
      servedModelName: "q",
      contextLength: 512,
      apiKey: "k",
      profile: "l4",
      maxTokensPerPass: 1024,
      faults: {
        errorRate: 0.25,
        errorStatus: 429,
        retryAfterS: 3,
        delayMs: 12.5,
        malformed: "nan",
        malformedRate: 0.5,
        seed: 99,
        failInputs: ["bad", [1, 151643]],
        failInputStatus: 400,
      },
    });
  });

  it("lets flags override the environment, in both --flag value and --flag=value forms", () => {
    const options = optionsFromArgsAndEnv(
      [
        "--port",
        "4321",
        "--profile=none",
        "--error-rate",
        "1",
        "--retry-after=9",
      ],
      { STANDIN_PORT: "1", STANDIN_PROFILE: "l4", STANDIN_ERROR_RATE: "0.5" },
    );
    expect(options).toEqual({
      port: 4321,
      profile: "none",
      faults: { errorRate: 1, retryAfterS: 9 },
    });
  });

  it("reads the engine from --engine or STANDIN_ENGINE and refuses one it does not speak", () => {
    expect(optionsFromArgsAndEnv([], { STANDIN_ENGINE: "tei" }).engine).toBe(
      "tei",
    );
    expect(
      optionsFromArgsAndEnv(["--engine", "llamacpp"], { STANDIN_ENGINE: "tei" })
        .engine,
    ).toBe("llamacpp");
    const options = optionsFromArgsAndEnv(["--engine=triton"], {});
    expect(() => resolveOptions(options)).toThrow(
      /invalid stand-in options:[\s\S]*engine/,
    );
    expect(() => optionsFromArgsAndEnv(["stray"], {})).toThrow(
      /^unknown argument "stray"/,
    );
  });

  it("fails on unknown flags, missing values and non-numbers", () => {
    expect(() => optionsFromArgsAndEnv(["--gpu", "h100"], {})).toThrow(
      /^unknown argument "--gpu"/,
    );
    expect(() => optionsFromArgsAndEnv(["--port"], {})).toThrow(
      "--port needs a value",
    );
    expect(() => optionsFromArgsAndEnv(["--port", "abc"], {})).toThrow(
      '--port: expected an integer, got "abc"',
    );
    expect(() =>
      optionsFromArgsAndEnv([], { STANDIN_ERROR_RATE: "lots" }),
    ).toThrow('STANDIN_ERROR_RATE: expected a number, got "lots"');
    expect(() => optionsFromArgsAndEnv(["--fail-inputs", "[bad"], {})).toThrow(
      '--fail-inputs: expected JSON, got "[bad"',
    );
  });

  it("validates values before anything listens", async () => {
    expect(() => resolveOptions({ profile: "h100" as "l4" })).toThrow(
      /invalid stand-in options:[\s\S]*profile/,
    );
    expect(() => resolveOptions({ faults: { errorRate: 1.5 } })).toThrow(
      /faults\.errorRate/,
    );
    expect(() => resolveOptions({ faults: { failInputs: [[1.5]] } })).toThrow(
      /faults\.failInputs/,
    );
    await expect(startStandin({ contextLength: 0 })).rejects.toThrow(
      /contextLength/,
    );
  });

  it("fills in defaults", () => {
    expect(resolveOptions({})).toEqual({
      engine: "sglang",
      port: 0,
      host: "127.0.0.1",
      modelPath: "Qwen/Qwen3-Embedding-4B",
      servedModelName: "Qwen/Qwen3-Embedding-4B",
      contextLength: 32768,
      apiKey: null,
      profile: "none",
      maxTokensPerPass: 8192,
      faults: {},
      maxBodyBytes: 64 * 1024 * 1024,
    });
  });
});
