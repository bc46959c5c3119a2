/**
 * Fault injection: the failures a real GPU pool shows (errors under load, slow calls,
 * broken vectors), on demand and reproducibly, so the edge's retries, failover, circuit
 * breakers and vector checks can be tested.
 *
 * All randomness comes from one seeded mulberry32 generator per server, so a given seed
 * and call sequence fails the same calls on every run. A rate of 0 never draws and a
 * rate of 1 always fires, so tests that use 0 or 1 do not depend on the seed.
 *
 * Malformed vectors:
 * - `wrong-length`: 2559 values instead of 2560;
 * - `nan`: every value NaN, written as a literal `NaN` in float mode (Python json.dumps
 *   style; not valid JSON);
 * - `null`: every value NaN, written as `null` in float mode: what SGLang really sends,
 *   since its ORJSONResponse renders NaN as null.
 * In base64 mode both NaN kinds are NaN float32 bytes.
 *
 * Failing inputs (`failInputs`): a call holding any of the listed inputs (exact text, or
 * exact token-id list as sent) fails with `failInputStatus` (500 by default), whatever
 * else it holds, as an engine does when one input of a batch raises: SGLang's
 * serving_embedding.py answers 400 for a `ValueError` and 500 for anything else. Unlike
 * `errorRate` it follows the input, so the edge can be tested to isolate and name it.
 */
import { z } from "zod";
import type { RenderedVector } from "./protocol";

export const MALFORMED_KINDS = ["wrong-length", "nan", "null"] as const;
export type MalformedKind = (typeof MALFORMED_KINDS)[number];

export interface FaultSettings {
  /** Share of /v1/embeddings calls answered with `errorStatus` (0..1). */
  errorRate: number;
  errorStatus: number;
  /** Seconds for a Retry-After header on injected 503 and 429 answers; null: none. */
  retryAfterS: number | null;
  /** Added to every /v1/embeddings call before anything else happens. */
  delayMs: number;
  malformed: MalformedKind | null;
  /** Share of vectors malformed when `malformed` is set (0..1), drawn per vector. */
  malformedRate: number;
  seed: number;
  /** Inputs (text, or token ids as sent) that fail every call holding them. */
  failInputs: (string | number[])[];
  failInputStatus: number;
}

export const DEFAULT_FAULTS: FaultSettings = {
  errorRate: 0,
  errorStatus: 503,
  retryAfterS: null,
  delayMs: 0,
  malformed: null,
  malformedRate: 1,
  seed: 1,
  failInputs: [],
  failInputStatus: 500,
};

/** A partial update, as POST /__standin/faults takes it and startStandin's `faults` option. */
export const faultPatchSchema = z
  .object({
    errorRate: z.number().min(0).max(1),
    errorStatus: z.number().int().min(400).max(599),
    retryAfterS: z.number().int().min(0).nullable(),
    delayMs: z.number().min(0),
    malformed: z.enum(MALFORMED_KINDS).nullable(),
    malformedRate: z.number().min(0).max(1),
    seed: z.number().int(),
    failInputs: z
      .array(z.union([z.string(), z.array(z.number().int())]))
      .max(1000),
    failInputStatus: z.number().int().min(400).max(599),
  })
  .partial()
  .strict();

export type FaultPatch = z.infer<typeof faultPatchSchema>;

/** mulberry32: tiny, fast and good enough to spread faults; state is one uint32. */
function mulberry32(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const ERROR_TYPES: Record<number, string> = {
  400: "BadRequestError",
  429: "TooManyRequestsError",
  500: "InternalServerError",
  502: "BadGatewayError",
  503: "ServiceUnavailableError",
  504: "GatewayTimeoutError",
};

/** A set key per input; the prefix keeps a text apart from a token-id list. */
function inputKey(input: string | number[]): string {
  return typeof input === "string" ? `t${input}` : `i${input.join(",")}`;
}

export interface InjectedError {
  status: number;
  type: string;
  message: string;
  retryAfterS: number | null;
}

export class FaultInjector {
  private current: FaultSettings;
  private random: () => number;

  constructor(patch: FaultPatch = {}) {
    this.current = { ...DEFAULT_FAULTS, ...faultPatchSchema.parse(patch) };
    this.random = mulberry32(this.current.seed);
  }

  get settings(): FaultSettings {
    return { ...this.current };
  }

  /** Applies a validated patch; a `seed` in it restarts the generator. */
  update(patch: FaultPatch): FaultSettings {
    this.current = { ...this.current, ...patch };
    if (patch.seed !== undefined) this.random = mulberry32(patch.seed);
    return this.settings;
  }

  private fires(rate: number): boolean {
    if (rate <= 0) return false;
    const draw = this.random();
    return rate >= 1 || draw < rate;
  }

  /** The error this call should get instead of vectors, if any. */
  injectedError(): InjectedError | null {
    if (!this.fires(this.current.errorRate)) return null;
    const status = this.current.errorStatus;
    const retryable = status === 503 || status === 429;
    return {
      status,
      type: ERROR_TYPES[status] ?? "Error",
      message: `Injected fault: the stand-in was configured to answer this call with ${status}`,
      retryAfterS: retryable ? this.current.retryAfterS : null,
    };
  }

  /** The error for a call holding one of `failInputs`, if it holds one. */
  failingInputError(
    inputs: readonly (string | number[])[],
  ): InjectedError | null {
    if (this.current.failInputs.length === 0) return null;
    const listed = new Set(this.current.failInputs.map(inputKey));
    if (!inputs.some((input) => listed.has(inputKey(input)))) return null;
    const status = this.current.failInputStatus;
    return {
      status,
      type: ERROR_TYPES[status] ?? "Error",
      message:
        "Injected fault: the stand-in was configured to fail on this input",
      retryAfterS: null,
    };
  }

  /** The vector as sent: itself, or a malformed version of it. */
  malform(vector: Float32Array): RenderedVector {
    const kind = this.current.malformed;
    if (kind === null || !this.fires(this.current.malformedRate))
      return { vector };
    if (kind === "wrong-length")
      return { vector: vector.slice(0, vector.length - 1) };
    return {
      vector: new Float32Array(vector.length).fill(NaN),
      nonFinite: kind === "nan" ? "python" : "orjson",
    };
  }
}
