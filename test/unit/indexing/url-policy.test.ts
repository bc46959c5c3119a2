import { describe, expect, it } from "vitest";
import { checkOutboundUrl, type UrlPolicy } from "../../../workers/indexing/url-policy";

const PRODUCTION: UrlPolicy = { allowLoopback: false };
const LOCAL_DEV: UrlPolicy = { allowLoopback: true };

const HTTPS = "URL must use https";
const private_ = (address: string): string => `URL names a private, loopback or link-local address (${address})`;
const localName = (host: string): string => `URL names a local or internal host (${host})`;

/** [input, expected href when accepted, or the exact reason when refused] */
type Case = [string, { href: string } | { reason: string }];

const ok = (href: string): { href: string } => ({ href });
const no = (reason: string): { reason: string } => ({ reason });

function verdictOf(raw: string, policy: UrlPolicy): { href: string } | { reason: string } {
  const verdict = checkOutboundUrl(raw, policy);
  return verdict.ok ? { href: verdict.url.href } : { reason: verdict.reason };
}

describe("checkOutboundUrl in production", () => {
  const cases: Case[] = [
    // Public hosts and addresses
    ["https://example.com/doc.pdf?x=1", ok("https://example.com/doc.pdf?x=1")],
    ["https://Example.COM:8443/a", ok("https://example.com:8443/a")],
    ["https://93.184.216.34", ok("https://93.184.216.34/")],
    ["https://[2606:4700::1111]", ok("https://[2606:4700::1111]/")],
    ["https://8.8.8.8:444/hook", ok("https://8.8.8.8:444/hook")],
    ["https://172.32.0.1", ok("https://172.32.0.1/")], // just past 172.16/12
    ["https://100.128.0.1", ok("https://100.128.0.1/")], // just past 100.64/10
    ["https://198.20.0.1", ok("https://198.20.0.1/")], // just past 198.18/15
    ["https://[::ffff:93.184.216.34]", ok("https://[::ffff:5db8:d822]/")], // mapped public v4
    ["https://[64:ff9b::8.8.8.8]", ok("https://[64:ff9b::808:808]/")], // NAT64 of a public v4
    ["https://[2002:5db8:d822::1]", ok("https://[2002:5db8:d822::1]/")], // 6to4 of a public v4
    ["https://mylocal.com", ok("https://mylocal.com/")], // suffix match is by label

    // Not a URL, or the wrong scheme
    ["example.com/doc", no("URL is not a valid absolute URL")],
    ["", no("URL is not a valid absolute URL")],
    ["https://", no("URL is not a valid absolute URL")],
    ["https://1.2.3.256", no("URL is not a valid absolute URL")],
    ["ftp://x", no(HTTPS)],
    ["file:///etc/passwd", no(HTTPS)],
    ["data:text/plain,hi", no(HTTPS)],
    ["http://example.com", no(HTTPS)],
    ["http://93.184.216.34/doc", no(HTTPS)],

    // Credentials in the URL
    ["https://user:pass@example.com", no("URL must not contain a username or password")],
    ["https://user@example.com", no("URL must not contain a username or password")],
    ["https://:pass@example.com", no("URL must not contain a username or password")],

    // IPv4 ranges, each at its edges
    ["http://127.0.0.1", no(private_("127.0.0.1"))],
    ["https://127.255.255.254:8080", no(private_("127.255.255.254"))],
    ["http://169.254.169.254/latest/meta-data", no(private_("169.254.169.254"))],
    ["https://169.254.0.1", no(private_("169.254.0.1"))],
    ["https://0.0.0.0", no(private_("0.0.0.0"))],
    ["https://0.255.255.255", no(private_("0.255.255.255"))],
    ["https://10.1.2.3", no(private_("10.1.2.3"))],
    ["https://100.64.0.1", no(private_("100.64.0.1"))],
    ["https://100.127.255.255", no(private_("100.127.255.255"))],
    ["https://172.16.0.1", no(private_("172.16.0.1"))],
    ["https://172.31.255.255", no(private_("172.31.255.255"))],
    ["https://192.0.0.8", no(private_("192.0.0.8"))],
    ["https://192.168.1.1", no(private_("192.168.1.1"))],
    ["https://198.18.0.1", no(private_("198.18.0.1"))],
    ["https://198.19.255.255", no(private_("198.19.255.255"))],
    ["https://224.0.0.1", no(private_("224.0.0.1"))],
    ["https://239.255.255.250", no(private_("239.255.255.250"))],
    ["https://240.0.0.1", no(private_("240.0.0.1"))],
    ["https://255.255.255.255", no(private_("255.255.255.255"))],

    // Odd IPv4 spellings the URL parser normalises to dotted quads
    ["https://2130706433", no(private_("127.0.0.1"))],
    ["https://0x7f.1", no(private_("127.0.0.1"))],
    ["https://127.1", no(private_("127.0.0.1"))],
    ["https://0177.0.0.1", no(private_("127.0.0.1"))],
    ["https://0xa9fea9fe", no(private_("169.254.169.254"))],
    ["https://127.0.0.1./", no(private_("127.0.0.1"))],

    // IPv6
    ["http://[::1]", no(private_("::1"))],
    ["https://[::1]:8443", no(private_("::1"))],
    ["https://[::]", no(private_("::"))],
    ["https://[0:0:0:0:0:0:0:1]", no(private_("::1"))],
    ["https://[::127.0.0.1]", no(private_("::7f00:1"))], // deprecated IPv4-compatible
    ["https://[fc00::1]", no(private_("fc00::1"))],
    ["https://[fd12:3456::1]", no(private_("fd12:3456::1"))],
    ["https://[fe80::1]", no(private_("fe80::1"))],
    ["https://[febf::1]", no(private_("febf::1"))],
    ["https://[ff02::1]", no(private_("ff02::1"))],
    ["https://[::ffff:127.0.0.1]", no(private_("::ffff:7f00:1"))],
    ["https://[::ffff:7f00:1]", no(private_("::ffff:7f00:1"))],
    ["https://[::ffff:a9fe:a9fe]", no(private_("::ffff:a9fe:a9fe"))],
    ["https://[::ffff:10.0.0.1]", no(private_("::ffff:a00:1"))],
    ["https://[64:ff9b::169.254.169.254]", no(private_("64:ff9b::a9fe:a9fe"))],
    ["https://[64:ff9b::7f00:1]", no(private_("64:ff9b::7f00:1"))],
    ["https://[2002:7f00:1::]", no(private_("2002:7f00:1::"))],
    ["https://[2002:c0a8:101::1]", no(private_("2002:c0a8:101::1"))],

    // Names that only mean something locally
    ["https://localhost", no(localName("localhost"))],
    ["http://localhost:8787", no(localName("localhost"))],
    ["https://api.localhost", no(localName("api.localhost"))],
    ["https://LOCALHOST.", no(localName("localhost."))],
    ["https://metadata.google.internal", no(localName("metadata.google.internal"))],
    ["https://printer.local", no(localName("printer.local"))],
  ];

  it.each(cases)("%s", (raw, expected) => {
    expect(verdictOf(raw, PRODUCTION)).toEqual(expected);
  });
});

describe("checkOutboundUrl with allowLoopback (local development)", () => {
  const cases: Case[] = [
    ["http://127.0.0.1:8080", ok("http://127.0.0.1:8080/")],
    ["http://127.0.0.1", ok("http://127.0.0.1/")],
    ["http://127.1.2.3/x", ok("http://127.1.2.3/x")],
    ["https://127.0.0.1", ok("https://127.0.0.1/")],
    ["http://2130706433:9000/", ok("http://127.0.0.1:9000/")],
    ["http://[::1]:8080", ok("http://[::1]:8080/")],
    ["http://localhost", ok("http://localhost/")],
    ["http://api.localhost:3000/hook", ok("http://api.localhost:3000/hook")],
    ["https://example.com", ok("https://example.com/")],

    // Only loopback is relaxed: the rest of the policy still holds
    ["http://10.0.0.1", no(private_("10.0.0.1"))],
    ["https://169.254.169.254", no(private_("169.254.169.254"))],
    ["http://169.254.169.254/latest/meta-data", no(private_("169.254.169.254"))],
    ["http://[::ffff:127.0.0.1]", no(private_("::ffff:7f00:1"))],
    ["http://[fe80::1]", no(private_("fe80::1"))],
    ["http://printer.local", no(localName("printer.local"))],
    ["http://metadata.google.internal", no(localName("metadata.google.internal"))],
    ["http://example.com", no(HTTPS)],
    ["ftp://127.0.0.1", no(HTTPS)],
    ["http://user:pass@127.0.0.1", no("URL must not contain a username or password")],
  ];

  it.each(cases)("%s", (raw, expected) => {
    expect(verdictOf(raw, LOCAL_DEV)).toEqual(expected);
  });
});

describe("checkOutboundUrl verdict", () => {
  it("returns the parsed URL itself, so callers fetch exactly what was checked", () => {
    const verdict = checkOutboundUrl("https://example.com/a/../b?q=1#frag", PRODUCTION);
    expect(verdict.ok).toBe(true);
    if (!verdict.ok) return;
    expect(verdict.url).toBeInstanceOf(URL);
    expect(verdict.url.href).toBe("https://example.com/b?q=1#frag");
  });
});
