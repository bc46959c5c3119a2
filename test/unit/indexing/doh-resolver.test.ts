/**
 * The DNS over HTTPS JSON client against a fake DoH server on 127.0.0.1 (Cloudflare's
 * documented query and answer shape): the query it sends, addresses by type with CNAME
 * records skipped, NXDOMAIN as no addresses, and every other outcome a thrown error.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ConfigError, configFrom } from "../../../workers/env";
import { dohResolver } from "../../../workers/indexing/doh-resolver";
import { startFakeDoh, type FakeDoh } from "../../support/fake-doh";
import { startLocalServer, type LocalServer } from "../../support/indexing";

let doh: FakeDoh;
let odd: LocalServer;
beforeAll(async () => {
  doh = await startFakeDoh({
    "docs.example.com": {
      A: ["93.184.216.34", "93.184.216.35"],
      AAAA: ["2606:2800:220:1:248:1893:25c8:1946"],
    },
    "alias.example.com": { CNAME: "target.example.net", A: ["10.0.0.9"] },
    "v4only.example.com": { A: ["8.8.8.8"] },
    "broken.example.com": "servfail",
    "down.example.com": "http-503",
  });
  odd = await startLocalServer((req, res) => {
    if (req.path.includes("name=notjson")) res.writeHead(200).end("<html>");
    else if (req.path.includes("name=badaddr"))
      res
        .writeHead(200)
        .end('{"Status":0,"Answer":[{"type":1,"data":"10.0.0"}]}');
    else if (req.path.includes("name=huge"))
      res
        .writeHead(200)
        .end(
          `{"Status":0,"Answer":[${'{"type":1,"data":"8.8.8.8"},'.repeat(5000)}]}`,
        );
    else res.writeHead(302, { location: "http://169.254.169.254/" }).end();
  });
});
afterAll(async () => Promise.all([doh?.close(), odd?.close()]));

describe("dohResolver", () => {
  it("asks GET ?name=&type= with accept: application/dns-json, and returns the addresses of that type", async () => {
    const resolve = dohResolver(doh.url);
    expect(await resolve("docs.example.com", "A")).toEqual([
      "93.184.216.34",
      "93.184.216.35",
    ]);
    expect(await resolve("docs.example.com", "AAAA")).toEqual([
      "2606:2800:220:1:248:1893:25c8:1946",
    ]);
    expect(doh.queries().slice(-2)).toEqual([
      "A docs.example.com application/dns-json",
      "AAAA docs.example.com application/dns-json",
    ]);
  });

  it("skips CNAME records and returns the addresses they lead to", async () => {
    expect(await dohResolver(doh.url)("alias.example.com", "A")).toEqual([
      "10.0.0.9",
    ]);
  });

  it("returns [] for a name without records of the type, and for NXDOMAIN", async () => {
    expect(await dohResolver(doh.url)("v4only.example.com", "AAAA")).toEqual(
      [],
    );
    expect(await dohResolver(doh.url)("nothing.example.com", "A")).toEqual([]);
  });

  it("throws on another DNS status, a non-200 answer, a redirect, non-JSON, a malformed address, an oversized answer", async () => {
    const resolve = dohResolver(doh.url);
    await expect(resolve("broken.example.com", "A")).rejects.toThrow(
      "DNS over HTTPS lookup failed with status 2",
    );
    await expect(resolve("down.example.com", "A")).rejects.toThrow(
      "DNS over HTTPS answered 503",
    );
    const other = dohResolver(`${odd.url}/dns-query`);
    await expect(other("redirect.example.com", "A")).rejects.toThrow(
      "DNS over HTTPS answered 302",
    ); // never followed
    await expect(other("notjson", "A")).rejects.toThrow(
      "DNS over HTTPS answer is not JSON",
    );
    await expect(other("badaddr", "A")).rejects.toThrow(
      "DNS over HTTPS answer holds a malformed address",
    );
    await expect(other("huge", "A")).rejects.toThrow(
      "DNS over HTTPS answer too large",
    );
  });
});

describe("INDEX_DOH_URL", () => {
  it("defaults to Cloudflare's endpoint; a value that is not an http(s) URL fails closed, naming the variable", () => {
    expect(
      configFrom({ GPU_WORKER_URLS: "http://127.0.0.1:1" }).indexing.dohUrl,
    ).toBe("https://cloudflare-dns.com/dns-query");
    expect(
      configFrom({
        GPU_WORKER_URLS: "http://127.0.0.1:1",
        INDEX_DOH_URL: "http://127.0.0.1:5353/dns-query",
      }).indexing.dohUrl,
    ).toBe("http://127.0.0.1:5353/dns-query");
    for (const bad of [
      "cloudflare-dns.com",
      "ftp://cloudflare-dns.com/dns-query",
    ]) {
      expect(() =>
        configFrom({
          GPU_WORKER_URLS: "http://127.0.0.1:1",
          INDEX_DOH_URL: bad,
        }),
      ).toThrow(new ConfigError("invalid configuration: INDEX_DOH_URL"));
    }
  });
});
