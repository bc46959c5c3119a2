/**
 * One HTTP call to one engine endpoint (its adapter says route, body and answer shape),
 * reduced to an outcome the pool can act on. It
 * never throws for upstream trouble: a refused connection, a timeout, a 503 and a NaN
 * are all outcomes, so the retry logic in failover.ts is one switch.
 *
 * The timeout covers reading the body too, since a worker can send headers and then
 * stall. It is a timer on our own AbortController (not `AbortSignal.any`) so a timeout
 * can be told apart from the caller cancelling.
 */
import type { EngineAdapter } from "./engines/engine-adapter";
import type { GpuInput } from "./gpu-item";
import { classifyStatus, retryAfterMs } from "./retry";

export type CallOutcome =
  | { kind: "ok"; vectors: Float32Array[]; elapsedMs: number }
  | { kind: "transient"; reason: string; retryAfterMs: number | undefined }
  | { kind: "invalid_response"; reason: string }
  /** 400/413/422: the endpoint refused an input of this call. */
  | { kind: "bad_request"; status: number; upstreamMessage: string }
  /** 500 and kin: the engine failed on this call; an input or the endpoint is to blame. */
  | { kind: "engine_error"; status: number; upstreamMessage: string }
  | { kind: "auth_rejected"; status: number }
  | { kind: "endpoint_fault"; status: number }
  | { kind: "cancelled" };

export interface UpstreamCall {
  baseUrl: string;
  /** The endpoint's engine: route, body and answer shape. */
  engine: EngineAdapter;
  model: string;
  inputs: GpuInput[];
  token: string | undefined;
  /** This endpoint's own headers (GpuPoolConfig.endpointHeaders). */
  extraHeaders: Readonly<Record<string, string>> | undefined;
  lane: string | undefined;
  timeoutMs: number;
  /** Aborts the call without it being the endpoint's fault (caller gone, sibling failed). */
  signal: AbortSignal;
  fetch: typeof fetch;
  now: () => number;
}

export async function callEmbeddings(call: UpstreamCall): Promise<CallOutcome> {
  if (call.signal.aborted) return { kind: "cancelled" };
  const controller = new AbortController();
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    controller.abort();
  }, call.timeoutMs);
  const cancel = (): void => controller.abort();
  call.signal.addEventListener("abort", cancel, { once: true });

  let started = call.now();
  try {
    const { engine } = call;
    const wire = await engine.wireInputs(call.inputs);
    // Tokenising for the engine is edge CPU time, not GPU time (metering).
    started = call.now();
    const response = await call.fetch(
      endpointUrl(call.baseUrl, engine.embedPath),
      {
        method: "POST",
        headers: upstreamHeaders(
          call.token,
          call.lane,
          true,
          call.extraHeaders,
        ),
        body: JSON.stringify(engine.requestBody(call.model, wire)),
        signal: controller.signal,
      },
    );
    // Read every body, errors included, so the connection can be reused.
    const text = await response.text();
    if (response.ok) {
      const decoded = engine.decode(text, call.inputs.length);
      if (!decoded.ok)
        return { kind: "invalid_response", reason: decoded.reason };
      return {
        kind: "ok",
        vectors: decoded.vectors,
        elapsedMs: call.now() - started,
      };
    }
    switch (classifyStatus(response.status)) {
      case "transient":
        return {
          kind: "transient",
          reason: `status ${response.status}`,
          retryAfterMs: retryAfterMs(response.headers, call.now()),
        };
      case "bad_request":
        return {
          kind: "bad_request",
          status: response.status,
          upstreamMessage: upstreamErrorMessage(text),
        };
      case "engine_error":
        return {
          kind: "engine_error",
          status: response.status,
          upstreamMessage: upstreamErrorMessage(text),
        };
      case "auth_rejected":
        return { kind: "auth_rejected", status: response.status };
      case "endpoint_fault":
        return { kind: "endpoint_fault", status: response.status };
    }
  } catch {
    if (timedOut)
      return { kind: "transient", reason: "timeout", retryAfterMs: undefined };
    if (call.signal.aborted) return { kind: "cancelled" };
    return {
      kind: "transient",
      reason: "connection failed",
      retryAfterMs: undefined,
    };
  } finally {
    clearTimeout(timer);
    call.signal.removeEventListener("abort", cancel);
  }
}

export function endpointUrl(baseUrl: string, path: string): string {
  return baseUrl.replace(/\/+$/, "") + path;
}

export function upstreamHeaders(
  token: string | undefined,
  lane: string | undefined,
  json: boolean,
  extra: Readonly<Record<string, string>> = {},
): Headers {
  const headers = new Headers();
  if (json) headers.set("content-type", "application/json");
  if (token !== undefined && token !== "")
    headers.set("authorization", `Bearer ${token}`);
  if (lane !== undefined) headers.set("x-lane", lane);
  for (const [name, value] of Object.entries(extra)) headers.set(name, value);
  return headers;
}

/**
 * The engine's error message: SGLang's (and vLLM's up to 0.9) `{object:"error", message}`,
 * TEI's OpenAI-route `{message, code, type}`, newer vLLM's and llama.cpp's
 * `{error:{message}}`, TEI's `/embed` `{error:"...", error_type}`; the raw text if none
 * applies (engines/*.ts cite the sources).
 */
export function upstreamErrorMessage(text: string): string {
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    return text;
  }
  if (typeof body !== "object" || body === null) return text;
  if ("message" in body && typeof body.message === "string")
    return body.message;
  if ("error" in body) {
    const { error } = body;
    if (typeof error === "string") return error;
    if (
      typeof error === "object" &&
      error !== null &&
      "message" in error &&
      typeof error.message === "string"
    ) {
      return error.message;
    }
  }
  return text;
}
