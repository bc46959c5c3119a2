import {
  createServer,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type {
  AddressType,
  HostResolver,
} from "../../../workers/indexing/doh-resolver";
import {
  safeFetch,
  type SafeFetchOptions,
} from "../../../workers/indexing/safe-fetch";

// Real HTTP servers on 127.0.0.1, reached through Node's real fetch; allowLoopback is the
// local-development policy that lets loopback through while everything else stays refused.
// DNS is a fake resolver with fixed answers per name (address literals never reach it).

interface Received {
  method: string;
  path: string;
  headers: IncomingMessage["headers"];
  body: string;
}

type Route = (req: IncomingMessage, res: ServerResponse, body: string) => void;

interface TestServer {
  base: string;
  received: Received[];
  close: () => Promise<void>;
}

async function startServer(routes: Record<string, Route>): Promise<TestServer> {
  const received: Received[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => {
      const body = Buffer.concat(chunks).toString("utf8");
      const path = req.url ?? "/";
      received.push({
        method: req.method ?? "",
        path,
        headers: req.headers,
        body,
      });
      const route = routes[path.split("?")[0] ?? path];
      if (route === undefined) {
        res.writeHead(404).end("no such route");
        return;
      }
      route(req, res, body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    base: `http://127.0.0.1:${port}`,
    received,
    close: () =>
      new Promise<void>((resolve) => {
        // The stalling routes never finish their responses; drop them rather than wait.
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

const redirect =
  (status: number, location: string): Route =>
  (_req, res) =>
    res.writeHead(status, { location }).end();

/** Replies with what the request carried, so a test can assert it from the body too. */
const echo: Route = (req, res, body) =>
  res.writeHead(200, { "content-type": "application/json" }).end(
    JSON.stringify({
      method: req.method,
      contentType: req.headers["content-type"] ?? null,
      body,
    }),
  );

const bytes = (n: number): string => "x".repeat(n);

const MAX_BYTES = 50;
const TIMEOUT_MS = 300;

let main: TestServer;
let other: TestServer;

beforeAll(async () => {
  main = await startServer({
    "/ok": (_req, res) =>
      res
        .writeHead(200, { "content-type": "text/plain", "x-test": "1" })
        .end("hello"),
    "/missing": (_req, res) =>
      res.writeHead(404, { "content-type": "text/plain" }).end("nope"),
    "/hop1": redirect(302, "/hop2"),
    "/hop2": redirect(301, "./ok?via=hop2"),
    "/to-metadata": redirect(302, "http://169.254.169.254/latest/meta-data"),
    "/to-private": redirect(302, "http://10.0.0.1/"),
    "/to-private-name": redirect(
      302,
      "https://files.example.com/secret?token=1",
    ),
    "/to-public-name": redirect(307, "https://cdn.example.net/doc.txt"),
    "/to-ftp": redirect(307, "ftp://127.0.0.1/file"),
    "/loop": redirect(302, "/loop"),
    "/no-location": (_req, res) => res.writeHead(302).end("moved nowhere"),
    "/exact": (_req, res) => res.writeHead(200).end(bytes(MAX_BYTES)),
    "/big-declared": (_req, res) =>
      res
        .writeHead(200, { "content-length": String(MAX_BYTES + 1) })
        .end(bytes(MAX_BYTES + 1)),
    "/declared-then-stall": (_req, res) => {
      // Claims a large body and stalls: only trusting Content-Length can answer before the timeout.
      res.writeHead(200, { "content-length": "1000000" });
      res.write(bytes(10));
    },
    "/big-chunked": (_req, res) => {
      // No Content-Length, so Node sends it chunked and only counting can catch it.
      res.writeHead(200);
      for (let i = 0; i < 10; i++) res.write(bytes(20));
      res.end();
    },
    "/stall-headers": () => {
      // Never answers.
    },
    "/stall-body": (_req, res) => {
      res.writeHead(200, { "content-type": "text/plain" });
      res.write("partial");
    },
    "/see-other": redirect(303, "/echo"),
    "/found": redirect(302, "/echo"),
    "/temporary": redirect(307, "/echo"),
    "/permanent": redirect(308, "/echo"),
    "/echo": echo,
  });
  other = await startServer({ "/echo": echo });
});

afterAll(async () => {
  await Promise.all([main.close(), other.close()]);
});

beforeEach(() => {
  main.received.length = 0;
  other.received.length = 0;
});

/** Node's fetch, recording every URL it is asked for. */
function recordingFetch(): { fetch: typeof fetch; urls: string[] } {
  const urls: string[] = [];
  const recording: typeof fetch = (input, init) => {
    urls.push(input instanceof Request ? input.url : String(input));
    return fetch(input, init);
  };
  return { fetch: recording, urls };
}

/** A resolver with fixed answers, recording every lookup; a name it does not know fails the lookup. */
function fakeResolver(
  records: Record<string, Partial<Record<AddressType, string[]>>>,
): { resolve: HostResolver; lookups: string[] } {
  const lookups: string[] = [];
  const resolve: HostResolver = async (name, type) => {
    lookups.push(`${type} ${name}`);
    const answers = records[name];
    if (answers === undefined) throw new Error("resolver unreachable");
    return answers[type] ?? [];
  };
  return { resolve, lookups };
}

function options(overrides: Partial<SafeFetchOptions> = {}): SafeFetchOptions {
  return {
    policy: { allowLoopback: true },
    resolve: fakeResolver({}).resolve,
    timeoutMs: TIMEOUT_MS,
    maxBytes: MAX_BYTES,
    maxRedirects: 3,
    ...overrides,
  };
}

const text = (body: Uint8Array): string => new TextDecoder().decode(body);
const paths = (server: TestServer): string[] =>
  server.received.map((r) => `${r.method} ${r.path}`);

describe("safeFetch", () => {
  it("returns status, headers and exact body of a 200", async () => {
    const result = await safeFetch(`${main.base}/ok`, options());
    if (!result.ok) throw new Error(result.reason);
    expect([result.status, text(result.body), result.finalUrl]).toEqual([
      200,
      "hello",
      `${main.base}/ok`,
    ]);
    expect([
      result.headers.get("content-type"),
      result.headers.get("x-test"),
    ]).toEqual(["text/plain", "1"]);
    expect(result.body).toBeInstanceOf(Uint8Array);
  });

  it("returns a non-2xx final response as ok, leaving its meaning to the caller", async () => {
    const result = await safeFetch(`${main.base}/missing`, options());
    if (!result.ok) throw new Error(result.reason);
    expect([result.status, text(result.body)]).toEqual([404, "nope"]);
  });

  it("refuses the first URL itself under the policy, without a request", async () => {
    const { fetch, urls } = recordingFetch();
    expect(
      await safeFetch(
        "http://169.254.169.254/latest/meta-data",
        options({ fetch }),
      ),
    ).toEqual({
      ok: false,
      reason: "URL names a non-public address (169.254.169.254: linkLocal)",
      retryable: false,
    });
    expect(
      await safeFetch(
        `${main.base}/ok`,
        options({ fetch, policy: { allowLoopback: false } }),
      ),
    ).toEqual({
      ok: false,
      reason: "URL names a non-public address (127.0.0.1: loopback)",
      retryable: false,
    });
    expect(urls).toEqual([]);
  });

  it("follows a redirect chain, resolving relative Locations against the current URL", async () => {
    const result = await safeFetch(`${main.base}/hop1`, options());
    if (!result.ok) throw new Error(result.reason);
    expect([result.status, text(result.body), result.finalUrl]).toEqual([
      200,
      "hello",
      `${main.base}/ok?via=hop2`,
    ]);
    expect(paths(main)).toEqual(["GET /hop1", "GET /hop2", "GET /ok?via=hop2"]);
  });

  it("refuses a redirect to the metadata address without requesting anything else", async () => {
    const { fetch, urls } = recordingFetch();
    expect(
      await safeFetch(`${main.base}/to-metadata`, options({ fetch })),
    ).toEqual({
      ok: false,
      reason:
        "redirect to http://169.254.169.254/latest/meta-data refused: " +
        "URL names a non-public address (169.254.169.254: linkLocal)",
      retryable: false,
    });
    expect(urls).toEqual([`${main.base}/to-metadata`]);
    expect(paths(main)).toEqual(["GET /to-metadata"]);
  });

  it("refuses a redirect to a private address", async () => {
    const { fetch, urls } = recordingFetch();
    expect(
      await safeFetch(`${main.base}/to-private`, options({ fetch })),
    ).toEqual({
      ok: false,
      reason:
        "redirect to http://10.0.0.1/ refused: URL names a non-public address (10.0.0.1: private)",
      retryable: false,
    });
    expect(urls).toEqual([`${main.base}/to-private`]);
  });

  it("refuses a redirect to another scheme", async () => {
    expect(await safeFetch(`${main.base}/to-ftp`, options())).toEqual({
      ok: false,
      reason: "redirect to ftp://127.0.0.1/file refused: URL must use https",
      retryable: false,
    });
  });

  it("refuses more redirects than maxRedirects, after exactly that many hops", async () => {
    expect(
      await safeFetch(`${main.base}/loop`, options({ maxRedirects: 3 })),
    ).toEqual({
      ok: false,
      reason: "too many redirects (limit 3)",
      retryable: false,
    });
    expect(paths(main)).toEqual([
      "GET /loop",
      "GET /loop",
      "GET /loop",
      "GET /loop",
    ]);
  });

  it("with maxRedirects 0 follows none", async () => {
    expect(
      await safeFetch(`${main.base}/hop1`, options({ maxRedirects: 0 })),
    ).toEqual({
      ok: false,
      reason: "too many redirects (limit 0)",
      retryable: false,
    });
    expect(paths(main)).toEqual(["GET /hop1"]);
  });

  it("returns a redirect status without Location as the final response", async () => {
    const result = await safeFetch(`${main.base}/no-location`, options());
    if (!result.ok) throw new Error(result.reason);
    expect([result.status, text(result.body)]).toEqual([302, "moved nowhere"]);
  });

  it("accepts a body of exactly maxBytes", async () => {
    const result = await safeFetch(`${main.base}/exact`, options());
    if (!result.ok) throw new Error(result.reason);
    expect(text(result.body)).toBe(bytes(MAX_BYTES));
  });

  it("refuses a body over maxBytes declared by Content-Length", async () => {
    expect(await safeFetch(`${main.base}/big-declared`, options())).toEqual({
      ok: false,
      reason: "response body exceeds the limit of 50 bytes",
      retryable: false,
      status: 200,
    });
  });

  it("refuses on an oversized Content-Length at once, without reading the body", async () => {
    expect(
      await safeFetch(
        `${main.base}/declared-then-stall`,
        options({ timeoutMs: 5_000 }),
      ),
    ).toEqual({
      ok: false,
      reason: "response body exceeds the limit of 50 bytes",
      retryable: false,
      status: 200,
    });
  });

  it("refuses a chunked body once it passes maxBytes", async () => {
    expect(await safeFetch(`${main.base}/big-chunked`, options())).toEqual({
      ok: false,
      reason: "response body exceeds the limit of 50 bytes",
      retryable: false,
      status: 200,
    });
  });

  it("times out, retryably, on a server that never answers", async () => {
    const started = Date.now();
    expect(await safeFetch(`${main.base}/stall-headers`, options())).toEqual({
      ok: false,
      reason: "request timed out after 300 ms",
      retryable: true,
    });
    expect(Date.now() - started).toBeLessThan(5_000);
  });

  it("times out, retryably, on a body that stalls after the headers", async () => {
    expect(await safeFetch(`${main.base}/stall-body`, options())).toEqual({
      ok: false,
      reason: "request timed out after 300 ms",
      retryable: true,
    });
  });

  it("reports a refused connection as a retryable network error", async () => {
    const closed = await startServer({});
    await closed.close();
    expect(await safeFetch(`${closed.base}/ok`, options())).toEqual({
      ok: false,
      reason: "request failed with a network error",
      retryable: true,
    });
  });
});

describe("safeFetch method and body across redirects", () => {
  const post = (
    headers: Record<string, string> = {},
  ): Partial<SafeFetchOptions> => ({
    method: "POST",
    headers: { "content-type": "application/json", ...headers },
    body: '{"event":"done"}',
    maxBytes: 1_000, // room for the echo
  });

  it("turns POST into GET without a body after 303", async () => {
    const result = await safeFetch(`${main.base}/see-other`, options(post()));
    if (!result.ok) throw new Error(result.reason);
    expect(JSON.parse(text(result.body))).toEqual({
      method: "GET",
      contentType: null,
      body: "",
    });
    expect(
      main.received.map((r) => [
        r.method,
        r.path,
        r.body,
        r.headers["content-type"] ?? null,
      ]),
    ).toEqual([
      ["POST", "/see-other", '{"event":"done"}', "application/json"],
      ["GET", "/echo", "", null],
    ]);
  });

  it("turns POST into GET without a body after 302", async () => {
    await safeFetch(`${main.base}/found`, options(post()));
    expect(main.received.map((r) => [r.method, r.path, r.body])).toEqual([
      ["POST", "/found", '{"event":"done"}'],
      ["GET", "/echo", ""],
    ]);
  });

  it.each([
    ["307", "/temporary"],
    ["308", "/permanent"],
  ])(
    "keeps the POST method, body and content type after %s",
    async (_status, path) => {
      const result = await safeFetch(`${main.base}${path}`, options(post()));
      if (!result.ok) throw new Error(result.reason);
      expect(result.finalUrl).toBe(`${main.base}/echo`);
      expect(
        main.received.map((r) => [
          r.method,
          r.path,
          r.body,
          r.headers["content-type"],
        ]),
      ).toEqual([
        ["POST", path, '{"event":"done"}', "application/json"],
        ["POST", "/echo", '{"event":"done"}', "application/json"],
      ]);
    },
  );

  it("drops credentials, but not other headers, when a redirect leaves the origin", async () => {
    const bounce = await startServer({
      "/bounce": redirect(307, `${other.base}/echo`),
    });
    try {
      const headers = {
        authorization: "Bearer secret",
        "webhook-signature": "v1,abc",
      };
      const result = await safeFetch(
        `${bounce.base}/bounce`,
        options(post(headers)),
      );
      if (!result.ok) throw new Error(result.reason);
      expect(bounce.received[0]?.headers.authorization).toBe("Bearer secret");
      const [arrived] = other.received;
      expect([
        arrived?.method,
        arrived?.body,
        arrived?.headers.authorization,
        arrived?.headers["webhook-signature"],
      ]).toEqual(["POST", '{"event":"done"}', undefined, "v1,abc"]);
    } finally {
      await bounce.close();
    }
  });
});

describe("safeFetch and what names resolve to", () => {
  const PUBLIC_V4 = "93.184.216.34";
  const PUBLIC_V6 = "2606:2800:220:1:248:1893:25c8:1946";

  /** Node's fetch for loopback; for the public test names, a canned answer instead of the Internet. */
  function fetchWithPublicNames(): { fetch: typeof fetch; urls: string[] } {
    const urls: string[] = [];
    const doFetch: typeof fetch = (input, init) => {
      const url = input instanceof Request ? input.url : String(input);
      urls.push(url);
      if (new URL(url).hostname.endsWith(".example.net"))
        return Promise.resolve(new Response("public text", { status: 200 }));
      return fetch(input, init);
    };
    return { fetch: doFetch, urls };
  }

  it("refuses a redirect to a name that resolves to a private address, requesting nothing there", async () => {
    const { resolve, lookups } = fakeResolver({
      "files.example.com": { A: [PUBLIC_V4, "10.0.0.7"], AAAA: [] },
    });
    const { fetch, urls } = fetchWithPublicNames();
    expect(
      await safeFetch(
        `${main.base}/to-private-name`,
        options({ fetch, resolve }),
      ),
    ).toEqual({
      ok: false,
      reason:
        "redirect to https://files.example.com/secret refused: files.example.com resolves to a non-public address (10.0.0.7: private)",
      retryable: false,
    });
    expect(urls).toEqual([`${main.base}/to-private-name`]);
    expect(lookups.sort()).toEqual([
      "A files.example.com",
      "AAAA files.example.com",
    ]);
  });

  it("refuses a name whose AAAA answer alone is non-public (loopback, NAT64 of a private v4)", async () => {
    const cases = [
      ["::1", "loopback"],
      ["64:ff9b::a00:1", "rfc6052"],
      ["fd00::5", "uniqueLocal"],
    ];
    for (const [aaaa, kind] of cases) {
      const { resolve } = fakeResolver({
        "cdn.example.net": { A: [PUBLIC_V4], AAAA: [aaaa!] },
      });
      const { fetch, urls } = fetchWithPublicNames();
      expect(
        await safeFetch(
          "https://cdn.example.net/doc.txt",
          options({ fetch, resolve, policy: { allowLoopback: false } }),
        ),
      ).toEqual({
        ok: false,
        reason: `cdn.example.net resolves to a non-public address (${aaaa}: ${kind})`,
        retryable: false,
      });
      expect(urls).toEqual([]);
    }
  });

  it("follows a redirect to a name whose every answer is public", async () => {
    const { resolve, lookups } = fakeResolver({
      "cdn.example.net": { A: [PUBLIC_V4], AAAA: [PUBLIC_V6] },
    });
    const { fetch, urls } = fetchWithPublicNames();
    const result = await safeFetch(
      `${main.base}/to-public-name`,
      options({ fetch, resolve }),
    );
    if (!result.ok) throw new Error(result.reason);
    expect([result.status, text(result.body), result.finalUrl]).toEqual([
      200,
      "public text",
      "https://cdn.example.net/doc.txt",
    ]);
    expect(urls).toEqual([
      `${main.base}/to-public-name`,
      "https://cdn.example.net/doc.txt",
    ]);
    expect(lookups.sort()).toEqual([
      "A cdn.example.net",
      "AAAA cdn.example.net",
    ]);
  });

  it("fails closed, retryably, when the lookup fails; refuses a name with no addresses", async () => {
    const { fetch, urls } = fetchWithPublicNames();
    const down = fakeResolver({});
    expect(
      await safeFetch(
        "https://cdn.example.net/doc.txt",
        options({
          fetch,
          resolve: down.resolve,
          policy: { allowLoopback: false },
        }),
      ),
    ).toEqual({
      ok: false,
      reason:
        "DNS lookup for cdn.example.net failed (resolver unreachable); refusing a host that could not be checked",
      retryable: true,
    });
    const empty = fakeResolver({ "cdn.example.net": {} });
    expect(
      await safeFetch(
        "https://cdn.example.net/doc.txt",
        options({
          fetch,
          resolve: empty.resolve,
          policy: { allowLoopback: false },
        }),
      ),
    ).toEqual({
      ok: false,
      reason: "cdn.example.net has no A or AAAA record",
      retryable: false,
    });
    expect(urls).toEqual([]);
  });

  it("asks nothing about address literals, or about loopback names in local development", async () => {
    const { resolve, lookups } = fakeResolver({});
    const result = await safeFetch(
      `${main.base.replace("127.0.0.1", "localhost")}/ok`,
      options({ resolve }),
    );
    if (!result.ok) throw new Error(result.reason);
    expect(text(result.body)).toBe("hello");
    await safeFetch(`${main.base}/ok`, options({ resolve }));
    expect(lookups).toEqual([]);
  });

  it("counts a lookup that stalls against the one timeout", async () => {
    const stalled: HostResolver = (_name, _type, signal) =>
      new Promise((_resolve, reject) =>
        signal?.addEventListener("abort", () => reject(new Error("aborted"))),
      );
    expect(
      await safeFetch(
        "https://cdn.example.net/doc.txt",
        options({ resolve: stalled, policy: { allowLoopback: false } }),
      ),
    ).toEqual({
      ok: false,
      reason: "request timed out after 300 ms",
      retryable: true,
    });
  });
});
