/**
 * The errors the GPU pool raises, as the edge's one error type. Messages are written
 * for tenants: they never carry endpoint URLs, tokens or upstream internals (stack
 * traces, file paths), which stay in our logs.
 */
import { ApiError, invalidRequest } from "../errors/api-error";

/** When nothing told us better (no Retry-After, no breaker cool-down): a few seconds. */
export const DEFAULT_RETRY_AFTER_SECONDS = 5;

export function gpuUnavailable(retryAfterMs: number | undefined): ApiError {
  const seconds =
    retryAfterMs === undefined ? DEFAULT_RETRY_AFTER_SECONDS : Math.max(1, Math.ceil(retryAfterMs / 1000));
  return new ApiError("gpu_unavailable", "No GPU worker is available to compute embeddings right now; retry later.", {
    code: "gpu_pool_unavailable",
    retryAfterSeconds: seconds,
  });
}

export function upstreamInvalidResponse(): ApiError {
  return new ApiError("upstream_invalid_response", "A GPU worker returned an invalid embedding response.", {
    code: "upstream_invalid_response",
  });
}

/**
 * The model refused an input (SGLang's 400). Its message is not passed through
 * verbatim; only the one case a tenant can act on is recognised (an input longer than
 * the model's context), with the limit when SGLang states it.
 */
export function inputRejectedByModel(upstreamMessage: string): ApiError {
  if (/context length|too long|longer than/i.test(upstreamMessage)) {
    const limit = /context length[^0-9]{0,20}(\d+)/i.exec(upstreamMessage)?.[1];
    const suffix = limit === undefined ? "" : ` of ${limit} tokens`;
    return invalidRequest(`An input is longer than the model's context length${suffix}.`, "input");
  }
  return invalidRequest("An input was rejected by the embedding model.", "input");
}

/** A short label for logs; the host only, as a path or query could hold a secret. */
export function endpointLabel(url: string): string {
  try {
    return new URL(url).host;
  } catch {
    return "(unparsable url)";
  }
}
