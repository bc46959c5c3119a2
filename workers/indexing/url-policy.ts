/**
 * Which user-supplied URLs (documents to fetch, webhook callbacks) the Worker may call.
 * The point is to keep a caller from steering our requests at addresses that are not
 * meant to be public: loopback, private networks, link-local (the cloud metadata service
 * at 169.254.169.254), multicast, reserved space, and IPv6 forms that embed or route to
 * any of those (IPv4-mapped, NAT64, 6to4, Teredo).
 *
 * Hosts are refused by kind, never by a list of bad ranges to keep complete:
 * - an address literal must be global unicast: `ipaddr.js`'s `range()` must be `unicast`
 *   (it names every special-purpose range, IANA's registries) and an IPv6 one must also
 *   lie in 2000::/3, the only space allocated for global unicast (RFC 4291 §2.4, IANA's
 *   IPv6 address space registry), which also shuts out ::/96 "IPv4-compatible" forms;
 * - a name must be a registrable domain or below one under a public suffix of the Public
 *   Suffix List's ICANN section (`tldts`): `metadata`, `printer.local`, `x.internal`,
 *   `kubernetes.default.svc`, `router.lan` have no such suffix. `.arpa` (home.arpa,
 *   in-addr.arpa) and `.onion` are ICANN suffixes but special-use, so they are refused
 *   too; so are names with empty labels (`example.com.`, `a..b`), which only a resolver's
 *   search rules give meaning.
 *
 * This judges the URL as written. What a name resolves to is checked separately, on every
 * hop, by resolved-host-check.ts.
 *
 * WHATWG URL parsing has already normalised odd IPv4 spellings (`2130706433`, `0x7f.1`,
 * `127.1`) to dotted quads and IPv6 to compressed lower-case hex, and names to lower-case
 * punycode, before anything here reads them.
 */
import ipaddr from "ipaddr.js";
import { parse as parseDomain } from "tldts";

export interface UrlPolicy {
  /** Local development: allow http: and loopback hosts, e.g. a stand-in on 127.0.0.1. */
  allowLoopback: boolean;
}

/** `retryable`: the refusal may not hold on a later try (a DNS lookup that failed), as opposed to a verdict on the URL. */
export type UrlVerdict =
  { ok: true; url: URL } | { ok: false; reason: string; retryable?: boolean };

/** ICANN-section suffixes whose names are not meant to reach the public Internet (RFC 6761/8375/7686). */
const SPECIAL_USE_TLDS = new Set(["arpa", "onion"]);

/** Global unicast IPv6 space, 2000::/3 (RFC 4291 §2.4). */
const IPV6_GLOBAL_UNICAST = ipaddr.parseCIDR("2000::/3");

/**
 * Judges a URL by its scheme, credentials and host as written (no DNS). `https:` only,
 * except loopback hosts under `allowLoopback`, which may also use `http:`.
 */
export function checkOutboundUrl(raw: string, policy: UrlPolicy): UrlVerdict {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return { ok: false, reason: "URL is not a valid absolute URL" };
  }
  if (url.protocol !== "https:" && url.protocol !== "http:")
    return { ok: false, reason: "URL must use https" };
  if (url.username !== "" || url.password !== "") {
    return { ok: false, reason: "URL must not contain a username or password" };
  }

  const loopbackAllowed = policy.allowLoopback && isLoopbackHost(url.hostname);
  // The host is judged before the scheme so that http://169.254.169.254 is refused for
  // what it is, not merely for lacking TLS.
  if (!loopbackAllowed) {
    const refused = refusedHost(url.hostname);
    if (refused !== undefined) return { ok: false, reason: refused };
    if (url.protocol !== "https:")
      return { ok: false, reason: "URL must use https" };
  }
  return { ok: true, url };
}

/**
 * The kind of a non-public IP address (dotted quad, or IPv6 text without brackets):
 * `ipaddr.js`'s range name such as `private`, `loopback`, `rfc6052`, `teredo`, or
 * `notGlobalUnicast` / `invalid`; undefined when it is global unicast and may be called.
 * Also judges the answers of a DNS lookup (resolved-host-check.ts).
 */
export function nonPublicAddressKind(address: string): string | undefined {
  const kind = addressKind(address);
  return kind === "unicast" ? undefined : kind;
}

/** Whether a URL's hostname is an address literal (DNS is not asked about those). */
export function isAddressLiteral(hostname: string): boolean {
  return (
    hostname.startsWith("[") || ipaddr.IPv4.isValidFourPartDecimal(hostname)
  );
}

/** Only these count as loopback for `allowLoopback`; other private space stays refused. */
export function isLoopbackHost(hostname: string): boolean {
  if (isAddressLiteral(hostname))
    return addressKind(unbracketed(hostname)) === "loopback";
  return hostname === "localhost" || hostname.endsWith(".localhost");
}

/**
 * `ipaddr.js`'s range name for an address, with IPv6 outside 2000::/3 that it calls
 * `unicast` named `notGlobalUnicast`, and text that is no address named `invalid`.
 */
function addressKind(address: string): string {
  if (ipaddr.IPv4.isValidFourPartDecimal(address))
    return ipaddr.IPv4.parse(address).range();
  if (!ipaddr.IPv6.isValid(address) || address.includes("%")) return "invalid";
  const v6 = ipaddr.IPv6.parse(address);
  const range = v6.range();
  if (range === "unicast" && !v6.match(IPV6_GLOBAL_UNICAST))
    return "notGlobalUnicast";
  return range;
}

function unbracketed(hostname: string): string {
  return hostname.startsWith("[") ? hostname.slice(1, -1) : hostname;
}

/** The reason a host is refused, or undefined when it may be called. */
function refusedHost(hostname: string): string | undefined {
  if (isAddressLiteral(hostname)) {
    const address = unbracketed(hostname);
    const kind = nonPublicAddressKind(address);
    return kind === undefined
      ? undefined
      : `URL names a non-public address (${address}: ${kind})`;
  }
  if (
    hostname.startsWith(".") ||
    hostname.endsWith(".") ||
    hostname.includes("..")
  ) {
    return `URL host has an empty label (${hostname})`;
  }
  const domain = parseDomain(hostname, { allowPrivateDomains: false });
  // isIcann: the longest matching suffix is in the PSL's ICANN section (not the implicit
  // "*" rule tldts applies to unknown TLDs); domain: the host is not the suffix itself.
  if (
    domain.isIcann !== true ||
    domain.domain === null ||
    domain.publicSuffix === null
  ) {
    return `URL names a host outside the public DNS (${hostname})`;
  }
  const tld = domain.publicSuffix.slice(
    domain.publicSuffix.lastIndexOf(".") + 1,
  );
  if (SPECIAL_USE_TLDS.has(tld))
    return `URL names a special-use domain (${hostname})`;
  return undefined;
}
