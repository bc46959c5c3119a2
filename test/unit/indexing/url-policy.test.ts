/**
 * The outbound URL policy as written (no DNS): every refused kind of address literal and
 * name with its exact reason, the public ones allowed, and what local development relaxes.
 * Expected kinds are ipaddr.js's range names for the ranges the RFCs cited in
 * url-policy.ts define, written out here by hand.
 */
import { describe, expect, it } from "vitest";
import {
  checkOutboundUrl,
  type UrlPolicy,
} from "../../../workers/indexing/url-policy";

const PRODUCTION: UrlPolicy = { allowLoopback: false };
const LOCAL_DEV: UrlPolicy = { allowLoopback: true };

const HTTPS = "URL must use https";
/** An address literal that is not global unicast, with the kind ipaddr.js's range() names for it. */
const address = (text: string, kind: string): string =>
  `URL names a non-public address (${text}: ${kind})`;
const notPublicDns = (host: string): string =>
  `URL names a host outside the public DNS (${host})`;
const specialUse = (host: string): string =>
  `URL names a special-use domain (${host})`;
const emptyLabel = (host: string): string =>
  `URL host has an empty label (${host})`;

/** [input, expected href when accepted, or the exact reason when refused] */
type Case = [string, { href: string } | { reason: string }];

const ok = (href: string): { href: string } => ({ href });
const no = (reason: string): { reason: string } => ({ reason });

function verdictOf(
  raw: string,
  policy: UrlPolicy,
): { href: string } | { reason: string } {
  const verdict = checkOutboundUrl(raw, policy);
  return verdict.ok ? { href: verdict.url.href } : { reason: verdict.reason };
}

describe("checkOutboundUrl in production", () => {
  const cases: Case[] = [
    // Public names: a registrable domain, or below one, under an ICANN public suffix
    ["https://example.com/doc.pdf?x=1", ok("https://example.com/doc.pdf?x=1")],
    ["https://Example.COM:8443/a", ok("https://example.com:8443/a")],
    ["https://mylocal.com", ok("https://mylocal.com/")], // "local" inside a label is no suffix
    ["https://a.b.example.co.uk/x", ok("https://a.b.example.co.uk/x")],
    ["https://bücher.de", ok("https://xn--bcher-kva.de/")],
    [
      "https://user-content.github.io/p",
      ok("https://user-content.github.io/p"),
    ], // private PSL section ignored, io is ICANN
    [
      "https://docs.internal.example.com",
      ok("https://docs.internal.example.com/"),
    ], // "internal" as an inner label is fine

    // Public addresses: global unicast
    ["https://93.184.216.34", ok("https://93.184.216.34/")],
    ["https://8.8.8.8:444/hook", ok("https://8.8.8.8:444/hook")],
    ["https://172.32.0.1", ok("https://172.32.0.1/")], // just past 172.16/12
    ["https://100.128.0.1", ok("https://100.128.0.1/")], // just past 100.64/10
    ["https://198.20.0.1", ok("https://198.20.0.1/")], // just past 198.18/15
    ["https://[2606:4700::1111]", ok("https://[2606:4700::1111]/")],
    [
      "https://[2a00:1450:4001:81c::200e]",
      ok("https://[2a00:1450:4001:81c::200e]/"),
    ],

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
    [
      "https://user:pass@example.com",
      no("URL must not contain a username or password"),
    ],
    [
      "https://user@example.com",
      no("URL must not contain a username or password"),
    ],
    [
      "https://:pass@example.com",
      no("URL must not contain a username or password"),
    ],

    // IPv4 literals by kind, each range at its edges
    ["http://127.0.0.1", no(address("127.0.0.1", "loopback"))],
    [
      "https://127.255.255.254:8080",
      no(address("127.255.255.254", "loopback")),
    ],
    [
      "http://169.254.169.254/latest/meta-data",
      no(address("169.254.169.254", "linkLocal")),
    ],
    ["https://169.254.0.1", no(address("169.254.0.1", "linkLocal"))],
    ["https://0.0.0.0", no(address("0.0.0.0", "unspecified"))],
    ["https://0.255.255.255", no(address("0.255.255.255", "unspecified"))],
    ["https://10.1.2.3", no(address("10.1.2.3", "private"))],
    ["https://172.16.0.1", no(address("172.16.0.1", "private"))],
    ["https://172.31.255.255", no(address("172.31.255.255", "private"))],
    ["https://192.168.1.1", no(address("192.168.1.1", "private"))],
    ["https://100.64.0.1", no(address("100.64.0.1", "carrierGradeNat"))],
    [
      "https://100.127.255.255",
      no(address("100.127.255.255", "carrierGradeNat")),
    ],
    ["https://192.0.0.8", no(address("192.0.0.8", "reserved"))],
    ["https://192.0.2.1", no(address("192.0.2.1", "reserved"))], // TEST-NET-1
    ["https://198.18.0.1", no(address("198.18.0.1", "reserved"))],
    ["https://198.19.255.255", no(address("198.19.255.255", "reserved"))],
    ["https://240.0.0.1", no(address("240.0.0.1", "reserved"))],
    ["https://224.0.0.1", no(address("224.0.0.1", "multicast"))],
    ["https://239.255.255.250", no(address("239.255.255.250", "multicast"))],
    ["https://255.255.255.255", no(address("255.255.255.255", "broadcast"))],

    // Odd IPv4 spellings the URL parser normalises to dotted quads
    ["https://2130706433", no(address("127.0.0.1", "loopback"))],
    ["https://0x7f.1", no(address("127.0.0.1", "loopback"))],
    ["https://127.1", no(address("127.0.0.1", "loopback"))],
    ["https://0177.0.0.1", no(address("127.0.0.1", "loopback"))],
    ["https://0xa9fea9fe", no(address("169.254.169.254", "linkLocal"))],
    ["https://127.0.0.1./", no(address("127.0.0.1", "loopback"))],

    // IPv6 literals by kind
    ["http://[::1]", no(address("::1", "loopback"))],
    ["https://[::1]:8443", no(address("::1", "loopback"))],
    ["https://[0:0:0:0:0:0:0:1]", no(address("::1", "loopback"))],
    ["https://[::]", no(address("::", "unspecified"))],
    ["https://[fc00::1]", no(address("fc00::1", "uniqueLocal"))],
    ["https://[fd12:3456::1]", no(address("fd12:3456::1", "uniqueLocal"))],
    ["https://[fe80::1]", no(address("fe80::1", "linkLocal"))],
    ["https://[febf::1]", no(address("febf::1", "linkLocal"))],
    ["https://[ff02::1]", no(address("ff02::1", "multicast"))],
    ["https://[fec0::1]", no(address("fec0::1", "deprecatedSiteLocal"))], // site-local fec0::/10
    ["https://[100::1]", no(address("100::1", "discard"))], // discard-only 100::/64
    ["https://[2001:db8::1]", no(address("2001:db8::1", "reserved"))], // documentation
    // Forms that embed or route to IPv4, refused whatever IPv4 address they carry
    ["https://[::ffff:127.0.0.1]", no(address("::ffff:7f00:1", "ipv4Mapped"))],
    [
      "https://[::ffff:a9fe:a9fe]",
      no(address("::ffff:a9fe:a9fe", "ipv4Mapped")),
    ],
    [
      "https://[::ffff:93.184.216.34]",
      no(address("::ffff:5db8:d822", "ipv4Mapped")),
    ],
    ["https://[::ffff:0:10.0.0.1]", no(address("::ffff:0:a00:1", "rfc6145"))], // IPv4-translated
    [
      "https://[::ffff:0:169.254.169.254]",
      no(address("::ffff:0:a9fe:a9fe", "rfc6145")),
    ],
    [
      "https://[64:ff9b::169.254.169.254]",
      no(address("64:ff9b::a9fe:a9fe", "rfc6052")),
    ], // NAT64
    ["https://[64:ff9b::8.8.8.8]", no(address("64:ff9b::808:808", "rfc6052"))],
    [
      "https://[64:ff9b:1::10.0.0.1]",
      no(address("64:ff9b:1::a00:1", "rfc6052")),
    ], // local-use NAT64, RFC 8215
    ["https://[2002:7f00:1::]", no(address("2002:7f00:1::", "6to4"))],
    ["https://[2002:c0a8:101::1]", no(address("2002:c0a8:101::1", "6to4"))],
    ["https://[2002:5db8:d822::1]", no(address("2002:5db8:d822::1", "6to4"))],
    ["https://[2001::f5ff:fffe]", no(address("2001::f5ff:fffe", "teredo"))], // Teredo, client 10.0.0.1 inverted
    [
      "https://[2001:0:4136:e378:8000:63bf:3fff:fdd2]",
      no(address("2001:0:4136:e378:8000:63bf:3fff:fdd2", "teredo")),
    ],
    // Outside 2000::/3, which ipaddr.js calls unicast but no one is allocated
    ["https://[::127.0.0.1]", no(address("::7f00:1", "notGlobalUnicast"))], // deprecated IPv4-compatible
    ["https://[::a00:1]", no(address("::a00:1", "notGlobalUnicast"))],
    ["https://[4000::1]", no(address("4000::1", "notGlobalUnicast"))],

    // Names with no ICANN public suffix: single labels and internal zones
    ["https://metadata", no(notPublicDns("metadata"))],
    ["https://instance-data/latest", no(notPublicDns("instance-data"))],
    ["https://localhost", no(notPublicDns("localhost"))],
    ["http://localhost:8787", no(notPublicDns("localhost"))],
    ["https://api.localhost", no(notPublicDns("api.localhost"))],
    [
      "https://metadata.google.internal",
      no(notPublicDns("metadata.google.internal")),
    ],
    ["https://vault.internal", no(notPublicDns("vault.internal"))],
    ["https://printer.local", no(notPublicDns("printer.local"))],
    ["https://db.localdomain", no(notPublicDns("db.localdomain"))],
    ["https://nas.lan", no(notPublicDns("nas.lan"))],
    [
      "https://kubernetes.default.svc",
      no(notPublicDns("kubernetes.default.svc")),
    ],
    ["https://app.test", no(notPublicDns("app.test"))],
    ["https://app.invalid", no(notPublicDns("app.invalid"))],
    // A public suffix by itself is no host
    ["https://co.uk", no(notPublicDns("co.uk"))],
    ["https://com", no(notPublicDns("com"))],

    // ICANN suffixes that are special-use
    ["https://router.home.arpa", no(specialUse("router.home.arpa"))],
    ["https://1.0.0.10.in-addr.arpa", no(specialUse("1.0.0.10.in-addr.arpa"))],
    [
      "https://duckduckgogg42xjoc72x3sjasowoarfbgcmvfimaftt6twagswzczad.onion",
      no(
        specialUse(
          "duckduckgogg42xjoc72x3sjasowoarfbgcmvfimaftt6twagswzczad.onion",
        ),
      ),
    ],

    // Trailing or doubled dots
    ["https://example.com./doc", no(emptyLabel("example.com."))],
    ["https://example..com", no(emptyLabel("example..com"))],
    ["https://LOCALHOST.", no(emptyLabel("localhost."))],
    ["https://metadata.", no(emptyLabel("metadata."))],
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
    ["http://10.0.0.1", no(address("10.0.0.1", "private"))],
    ["https://169.254.169.254", no(address("169.254.169.254", "linkLocal"))],
    [
      "http://169.254.169.254/latest/meta-data",
      no(address("169.254.169.254", "linkLocal")),
    ],
    ["http://[::ffff:127.0.0.1]", no(address("::ffff:7f00:1", "ipv4Mapped"))],
    ["http://[fe80::1]", no(address("fe80::1", "linkLocal"))],
    ["http://printer.local", no(notPublicDns("printer.local"))],
    ["http://metadata", no(notPublicDns("metadata"))],
    [
      "http://metadata.google.internal",
      no(notPublicDns("metadata.google.internal")),
    ],
    ["http://example.com", no(HTTPS)],
    ["ftp://127.0.0.1", no(HTTPS)],
    [
      "http://user:pass@127.0.0.1",
      no("URL must not contain a username or password"),
    ],
  ];

  it.each(cases)("%s", (raw, expected) => {
    expect(verdictOf(raw, LOCAL_DEV)).toEqual(expected);
  });
});

describe("checkOutboundUrl verdict", () => {
  it("returns the parsed URL itself, so callers fetch exactly what was checked", () => {
    const verdict = checkOutboundUrl(
      "https://example.com/a/../b?q=1#frag",
      PRODUCTION,
    );
    expect(verdict.ok).toBe(true);
    if (!verdict.ok) return;
    expect(verdict.url).toBeInstanceOf(URL);
    expect(verdict.url.href).toBe("https://example.com/b?q=1#frag");
  });
});
