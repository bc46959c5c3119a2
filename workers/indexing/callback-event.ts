/**
 * The thin event we POST to a job's `callback_url` when it completes or fails, signed
 * the Standard Webhooks way with the tenant's signing secret(s). Thin on purpose: the
 * receiver fetches the job (and its results) with its API key, so nothing large or
 * sensitive travels in a webhook. `webhook-id` stays the same across retries so a
 * receiver can deduplicate; `webhook-timestamp` is each attempt's own.
 */
import type { IndexingConfig } from "../env";
import { signWebhook } from "../webhooks/standard-webhooks";
import { jobView, type JobRecord } from "./job-records";
import { dohResolver } from "./doh-resolver";
import { safeFetch } from "./safe-fetch";

export type CallbackEventType = "index.job.completed" | "index.job.failed";

export function callbackEventBody(job: JobRecord, at: Date): string {
  const view = jobView(job);
  const type: CallbackEventType =
    job.status === "completed" ? "index.job.completed" : "index.job.failed";
  return JSON.stringify({
    type,
    timestamp: at.toISOString(),
    data: {
      id: view.id,
      object: view.object,
      status: view.status,
      counts: view.counts,
      last_error: view.last_error,
    },
  });
}

export const callbackEventId = (job: JobRecord): string => `msg_${job.id}`;

/** One delivery attempt; any 2xx is success, anything else (or no answer in time) is retried. */
export async function deliverCallback(
  job: JobRecord,
  secrets: readonly string[],
  config: IndexingConfig,
  now = new Date(),
): Promise<{ ok: true } | { ok: false; error: string }> {
  if (!job.callback) return { ok: true };
  if (secrets.length === 0)
    return { ok: false, error: "the tenant has no webhook signing secret" };
  const body = callbackEventBody(job, now);
  const headers = signWebhook(
    secrets,
    callbackEventId(job),
    Math.floor(now.getTime() / 1000),
    body,
  );
  const result = await safeFetch(job.callback.url, {
    policy: { allowLoopback: config.allowLoopbackUrls },
    resolve: dohResolver(config.dohUrl),
    timeoutMs: config.callbackTimeoutMs,
    maxBytes: 64 * 1024,
    maxRedirects: config.fetchMaxRedirects,
    method: "POST",
    headers: {
      ...headers,
      "content-type": "application/json",
      "user-agent": "qwen3-embeddings-webhooks/1",
    },
    body,
  });
  if (!result.ok) return { ok: false, error: result.reason };
  if (result.status < 200 || result.status > 299)
    return { ok: false, error: `the receiver answered HTTP ${result.status}` };
  return { ok: true };
}
