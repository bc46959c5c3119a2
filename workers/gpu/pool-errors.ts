/**
 * The errors the GPU pool raises, as the edge's one error type. Messages are written
 * for tenants: they never carry endpoint URLs, tokens or upstream internals (stack
 * traces, file paths), which stay in our logs.
 */
import { ApiError } from "../errors/api-error";

/** When nothing told us better (no Retry-After, no breaker cool-down): a few seconds. */
export const DEFAULT_RETRY_AFTER_SECONDS = 5;

export function gpuUnavailable(retryAfterMs: number | undefined): ApiError {
  const seconds =
    retryAfterMs === undefined
      ? DEFAULT_RETRY_AFTER_SECONDS
      : Math.max(1, Math.ceil(retryAfterMs / 1000));
  return new ApiError(
    "gpu_unavailable",
    "No GPU worker is available to compute embeddings right now; retry later.",
    {
      code: "gpu_pool_unavailable",
      retryAfterSeconds: seconds,
    },
  );
}

export function upstreamInvalidResponse(): ApiError {
  return new ApiError(
    "upstream_invalid_response",
    "A GPU worker returned an invalid embedding response.",
    {
      code: "upstream_invalid_response",
    },
  );
}

/** Longest engine message passed on to the tenant; longer ones are dropped, not cut. */
const MAX_ENGINE_REASON_CHARS = 300;

/**
 * One input failed on an engine that otherwise works (failover.ts decided that), so the
 * request is the tenant's to fix: 400, never a 503, never retried as an outage.
 *
 * The pool knows the input only by its position in the items it was given
 * (`itemIndex`); the pipeline, which knows how items map to the client's request (cache
 * hits and duplicates are not sent), renames it with `forRequestIndex`. Until then it
 * reads `param: "input"`. `cacheKey` is set by the pipeline so that a request which only
 * joined another's in-flight computation can tell the failing input is not its own.
 */
export class GpuInputRejected extends ApiError {
  cacheKey: string | undefined;

  constructor(
    readonly itemIndex: number,
    /** The engine's message, as it sent it (see `engineReason` for what reaches the tenant). */
    readonly upstreamMessage: string,
  ) {
    super(
      "invalid_request",
      inputRejectedMessage("An input", upstreamMessage),
      { param: "input" },
    );
  }

  /** The same refusal at another item position (a sub-batch's position mapped to the pool's items). */
  atItem(itemIndex: number): GpuInputRejected {
    return new GpuInputRejected(itemIndex, this.upstreamMessage);
  }

  /** The refusal as the client sees it: `param: "input[i]"`, i in the client's request. */
  forRequestIndex(index: number): ApiError {
    const param = `input[${index}]`;
    return new ApiError(
      "invalid_request",
      inputRejectedMessage(param, this.upstreamMessage),
      { param },
    );
  }
}

/**
 * How engines say an input is too long: SGLang and vLLM "... context length ...", TEI
 * "`inputs` must have less than N tokens" (core/src/tokenization.rs, v1.9.3), llama.cpp
 * "input (N tokens) is too large to process. increase the physical batch size (current
 * batch size: B)" or "exceeds the available context size" (tools/server/server.cpp).
 */
const LONG_INPUT = new RegExp(
  [
    "context length",
    "too long",
    "longer than",
    "must have less than \\d+ tokens",
    "too large to process",
    "exceeds the available context size",
  ].join("|"),
  "i",
);
/** The limit each of those names: after "context length", "less than" or "batch size". */
const LONG_INPUT_LIMIT =
  /(?:context length|less than|batch size)[^0-9]{0,20}(\d+)/i;

/**
 * The message for an input the model refused. An input longer than the context is said
 * in our words with the limit when the engine states it; any other engine reason is
 * quoted when it is one short line without paths, URLs or tracebacks (upstream internals
 * stay in our logs), and left out otherwise.
 */
function inputRejectedMessage(
  subject: string,
  upstreamMessage: string,
): string {
  if (LONG_INPUT.test(upstreamMessage)) {
    const limit = LONG_INPUT_LIMIT.exec(upstreamMessage)?.[1];
    const suffix = limit === undefined ? "" : ` of ${limit} tokens`;
    return `${subject} is longer than the model's context length${suffix}.`;
  }
  const reason = engineReason(upstreamMessage);
  return reason === undefined
    ? `${subject} was rejected by the embedding model.`
    : `${subject} was rejected by the embedding model: ${reason}`;
}

/** The engine's message if it is safe and short enough to show a tenant; undefined otherwise. */
function engineReason(upstreamMessage: string): string | undefined {
  const reason = upstreamMessage.trim();
  if (
    reason === "" ||
    reason.length > MAX_ENGINE_REASON_CHARS ||
    /[\r\n]/.test(reason)
  )
    return undefined;
  // File paths (/opt/..., C:\...), URLs and Python tracebacks are internals, not reasons.
  if (/traceback|https?:\/\/|(^|[\s"'(])\/[\w.-]+\/|[a-z]:\\/i.test(reason))
    return undefined;
  return reason;
}

/** A short label for logs; the host only, as a path or query could hold a secret. */
export function endpointLabel(url: string): string {
  try {
    return new URL(url).host;
  } catch {
    return "(unparsable url)";
  }
}
