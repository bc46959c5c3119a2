/**
 * A loopback HTTP proxy that holds every request for `delayMs` before passing it on, so a
 * benchmark can put an edge "far" from its Upstash database (the hot-path section puts
 * 80 ms between the edge and Redis, standing for a tenant far from the Upstash primary).
 * Bodies and headers pass through unchanged; only the target's origin is swapped in.
 */
import http from "node:http";
import type { AddressInfo } from "node:net";

export interface DelayProxy {
  url: string;
  close(): Promise<void>;
}

export async function startDelayProxy(
  target: string,
  delayMs: number,
): Promise<DelayProxy> {
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => {
      setTimeout(() => {
        const headers = Object.fromEntries(
          Object.entries(req.headers).flatMap(([k, v]) =>
            k === "host" || v === undefined ? [] : [[k, String(v)]],
          ),
        );
        fetch(`${target}${req.url ?? "/"}`, {
          method: req.method,
          headers,
          body: req.method === "GET" ? undefined : Buffer.concat(chunks),
        }).then(
          async (upstream) => {
            const body = Buffer.from(await upstream.arrayBuffer());
            const out: Record<string, string> = {};
            upstream.headers.forEach((value, key) => {
              if (
                key !== "content-encoding" &&
                key !== "transfer-encoding" &&
                key !== "content-length"
              )
                out[key] = value;
            });
            res
              .writeHead(upstream.status, {
                ...out,
                "content-length": String(body.length),
              })
              .end(body);
          },
          (error: unknown) => res.writeHead(502).end(String(error)),
        );
      }, delayMs);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
