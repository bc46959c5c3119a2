/**
 * The GETs engine detection makes (detect-engine.ts), with the endpoint's own headers
 * and a timeout; a caller that gives up aborts them too.
 */
import { endpointUrl, upstreamHeaders } from "../upstream-call";
import type { Probe } from "./detect-engine";

export interface ProbeTarget {
  baseUrl: string;
  token: string | undefined;
  extraHeaders: Readonly<Record<string, string>> | undefined;
  lane: string | undefined;
  timeoutMs: number;
  signal: AbortSignal;
  fetch: typeof fetch;
}

/** A probe of `target`; it rejects on connection errors, timeouts and caller aborts. */
export function httpProbe(target: ProbeTarget): Probe {
  return async (path) => {
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(), target.timeoutMs);
    const cancel = (): void => controller.abort();
    target.signal.addEventListener("abort", cancel, { once: true });
    try {
      const headers = upstreamHeaders(
        target.token,
        target.lane,
        false,
        target.extraHeaders,
      );
      const response = await target.fetch(endpointUrl(target.baseUrl, path), {
        headers,
        signal: controller.signal,
      });
      const text = await response.text();
      let body: unknown;
      try {
        body = JSON.parse(text);
      } catch {
        body = undefined;
      }
      return { status: response.status, body };
    } finally {
      clearTimeout(timer);
      target.signal.removeEventListener("abort", cancel);
    }
  };
}
