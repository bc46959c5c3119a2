/**
 * The Upstash client of this isolate, one per URL and token, reused across requests so
 * connections stay warm. Every HTTP call it makes carries its own timeout signal.
 *
 * `responseEncoding: false`: Upstash base64-encodes responses by default so that binary
 * values survive JSON; ours are already base64 text (records), and encoding them again
 * made every hit pay a second base64 decode in JavaScript (~30% larger bodies too).
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
      responseEncoding: false,
      enableTelemetry: false,
      retry: false,
      signal: () => AbortSignal.timeout(timeoutMs),
    });
    clients.set(id, client);
  }
  return client;
}
