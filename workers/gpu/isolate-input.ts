/**
 * One attempt of a sub-batch on one endpoint, with the input-or-endpoint decision that
 * failover.ts relies on (its header says why). The first call is the whole sub-batch;
 * only when that fails in a way that can follow an input (400/413/422 "refused", or a
 * 500-like "the engine failed") does this do more, on the same endpoint:
 *
 * 1. Does the endpoint otherwise work? A refusal (400) says it does: it read and judged
 *    the request. After an engine error nothing does yet, so one canary call with a
 *    fixed tiny input asks. If the canary fails too, the endpoint is broken and the
 *    attempt is an endpoint failure: no input is blamed.
 * 2. Which input? Halve the failing range and call the left half, then the right; go
 *    down into the first half that fails, until one input is left: that is the input to
 *    blame (the lowest failing position, when failures follow inputs). Halves that
 *    succeed keep their vectors, so a sub-batch whose failure was not reproducible (both
 *    halves fine) is simply answered.
 *
 * Calls are bounded: after the first, at most 1 + 2·⌈log2 n⌉ (`isolationCallBudget`):
 * the canary, then at most two per level of halving. An attempt that runs out of that
 * budget, or meets a health failure (timeout, 503, ...) or an invalid response while
 * isolating, is an endpoint failure like any other: nothing about the input was
 * established.
 */
import type { GpuInput } from "./gpu-item";
import type { CallOutcome } from "./upstream-call";

/** What the canary sends: one short text every engine embeds. */
const CANARY_INPUT = "ping";

/** Calls per level of halving: the left half and, when it succeeds, the right. */
const ISOLATION_CALLS_PER_LEVEL = 2;

/** A call that may follow an input: a refusal or an engine failure. */
type InputSuspect = Extract<
  CallOutcome,
  { kind: "bad_request" | "engine_error" }
>;
/** A call that says nothing about the inputs: failover.ts decides what it means. */
export type EndpointOutcome = Exclude<
  CallOutcome,
  { kind: "ok" } | InputSuspect
>;

export type Attempt =
  | { kind: "ok"; vectors: Float32Array[] }
  /** `position` in the attempt's inputs; the endpoint works, so the input is to blame. */
  | { kind: "input_failed"; position: number; failure: InputSuspect }
  | { kind: "endpoint_failed"; outcome: EndpointOutcome };

/** One call of some inputs to the attempt's endpoint. */
export type CallInputs = (inputs: GpuInput[]) => Promise<CallOutcome>;

/** Most calls isolation adds after the first, canary included, for `n` inputs. */
export function isolationCallBudget(n: number): number {
  return 1 + ISOLATION_CALLS_PER_LEVEL * Math.ceil(Math.log2(Math.max(1, n)));
}

export async function attemptOnEndpoint(
  inputs: GpuInput[],
  call: CallInputs,
): Promise<Attempt> {
  const first = await call(inputs);
  if (first.kind === "ok") return { kind: "ok", vectors: first.vectors };
  if (!isInputSuspect(first))
    return { kind: "endpoint_failed", outcome: first };

  let budget = isolationCallBudget(inputs.length);
  const inconclusive = (why: string): Attempt => ({
    kind: "endpoint_failed",
    outcome: {
      kind: "transient",
      reason: `status ${first.status}; ${why}`,
      retryAfterMs: undefined,
    },
  });

  if (first.kind === "engine_error") {
    budget -= 1;
    const canary = await call([CANARY_INPUT]);
    if (canary.kind === "cancelled")
      return { kind: "endpoint_failed", outcome: canary };
    if (canary.kind !== "ok" && canary.kind !== "bad_request")
      return inconclusive("the canary failed too");
  }

  const vectors = new Array<Float32Array>(inputs.length);
  type Search =
    | { kind: "found"; position: number; failure: InputSuspect }
    | { kind: "answered" }
    | Attempt;

  /** Finds the first failing input in [lo, hi), which as a whole failed with `failure`. */
  async function search(
    lo: number,
    hi: number,
    failure: InputSuspect,
  ): Promise<Search> {
    if (hi - lo === 1) return { kind: "found", position: lo, failure };
    const mid = lo + Math.ceil((hi - lo) / 2);
    for (const [a, b] of [
      [lo, mid],
      [mid, hi],
    ] as const) {
      if (budget <= 0) return inconclusive("isolation ran out of calls");
      budget -= 1;
      const half = await call(inputs.slice(a, b));
      if (half.kind === "ok") {
        half.vectors.forEach((v, k) => (vectors[a + k] = v));
        continue;
      }
      if (!isInputSuspect(half))
        return { kind: "endpoint_failed", outcome: half };
      const inner = await search(a, b, half);
      if (inner.kind !== "answered") return inner;
    }
    return { kind: "answered" };
  }

  const result = await search(0, inputs.length, first);
  if (result.kind === "found")
    return {
      kind: "input_failed",
      position: result.position,
      failure: result.failure,
    };
  if (result.kind === "answered") return { kind: "ok", vectors };
  return result;
}

function isInputSuspect(outcome: CallOutcome): outcome is InputSuspect {
  return outcome.kind === "bad_request" || outcome.kind === "engine_error";
}
