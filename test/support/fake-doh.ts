/**
 * A DNS over HTTPS server on 127.0.0.1 speaking the JSON flavour Cloudflare documents
 * (https://developers.cloudflare.com/1.1.1.1/encryption/dns-over-https/make-api-requests/dns-json/):
 * `GET /dns-query?name=…&type=A|AAAA` answered with `{Status, Question, Answer}`. Names
 * map to fixed records; a name mapped to "servfail" answers Status 2, "http-503" an HTTP
 * 503, and an unknown name NXDOMAIN (Status 3). Every query is recorded.
 */
import { startLocalServer, type LocalServer } from "./indexing";

/** `CNAME`: a CNAME record placed before the addresses, as a resolver answers for an alias. */
export type FakeZone = Record<
  string,
  { A?: string[]; AAAA?: string[]; CNAME?: string } | "servfail" | "http-503"
>;

export interface FakeDoh {
  /** The endpoint, for INDEX_DOH_URL. */
  url: string;
  /** Each query as `TYPE name accept-header`. */
  queries: () => string[];
  close: () => Promise<void>;
}

const TYPE_NUMBER = { A: 1, AAAA: 28 } as const;

export async function startFakeDoh(zone: FakeZone): Promise<FakeDoh> {
  const server: LocalServer = await startLocalServer((req, res) => {
    const url = new URL(req.path, "http://doh.test");
    const name = url.searchParams.get("name") ?? "";
    const type = url.searchParams.get("type") === "AAAA" ? "AAAA" : "A";
    const entry = zone[name];
    if (url.pathname !== "/dns-query" || entry === "http-503") {
      res.writeHead(503).end();
      return;
    }
    const question = [{ name: `${name}.`, type: TYPE_NUMBER[type] }];
    const status = entry === undefined ? 3 : entry === "servfail" ? 2 : 0;
    const records = typeof entry === "object" ? (entry[type] ?? []) : [];
    const target =
      typeof entry === "object" && entry.CNAME !== undefined
        ? entry.CNAME
        : undefined;
    // For an alias the resolver answers the CNAME first, then the target's addresses under the target's name.
    const alias =
      target === undefined
        ? []
        : [{ name: `${name}.`, type: 5, TTL: 300, data: `${target}.` }];
    const addresses = records.map((data) => ({
      name: `${target ?? name}.`,
      type: TYPE_NUMBER[type],
      TTL: 300,
      data,
    }));
    const answer = [...alias, ...addresses];
    res.writeHead(200, { "content-type": "application/dns-json" }).end(
      JSON.stringify({
        Status: status,
        TC: false,
        RD: true,
        RA: true,
        AD: false,
        CD: false,
        Question: question,
        ...(answer.length ? { Answer: answer } : {}),
      }),
    );
  });
  return {
    url: `${server.url}/dns-query`,
    queries: () =>
      server.requests.map((r) => {
        const q = new URL(r.path, "http://doh.test").searchParams;
        return `${q.get("type")} ${q.get("name")} ${String(r.headers.accept)}`;
      }),
    close: server.close,
  };
}
