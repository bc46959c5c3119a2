/**
 * The Upstash client of this isolate, one per URL and token, reused across requests so
 * connections stay warm. Every HTTP call it makes carries its own timeout signal.
 */
import { Redis } from "@upstash/redis/cloudflare";

const clients = new Map<string, Redis>();

export function redisClientFor(url: string, token: string, timeoutMs: number): Redis {
  const id = `${url}\n${token}\n${timeoutMs}`;
  let client = clients.get(id);
  if (!client) {
    client = new Redis({
      url,
      token,
      enableAutoPipelining: true,
      automaticDeserialization: false,
      enableTelemetry: false,
      retry: false,
      signal: () => AbortSignal.timeout(timeoutMs),
    });
    clients.set(id, client);
  }
  return client;
}
