/**
 * Which user-supplied URLs (documents to fetch, webhook callbacks) the Worker may call.
 * The point is to keep a caller from steering our requests at addresses that are not
 * meant to be public: loopback, private networks, link-local (the cloud metadata service
 * at 169.254.169.254), multicast and reserved space.
 *
 * What this can and cannot see: it judges the URL's host as written. A hostname whose DNS
 * points at a private address cannot be checked here, since Workers have no DNS API. That
 * gap is narrower than on a server: a Worker's fetch leaves from the Cloudflare edge and
 * cannot reach private networks of the edge itself. So the defence is this literal-address
 * and reserved-name check plus re-checking every redirect hop (safe-fetch.ts), not DNS.
 *
 * WHATWG URL parsing has already normalised odd IPv4 spellings (`2130706433`, `0x7f.1`,
 * `127.1`) to dotted quads and IPv6 to compressed lower-case hex, so only those two forms
 * need reading here.
 */

export interface UrlPolicy {
  /** Local development: allow http: and loopback hosts, e.g. a stand-in on 127.0.0.1. */
  allowLoopback: boolean;
}

export type UrlVerdict = { ok: true; url: URL } | { ok: false; reason: string };

export function checkOutboundUrl(raw: string, policy: UrlPolicy): UrlVerdict {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return { ok: false, reason: "URL is not a valid absolute URL" };
  }
  if (url.protocol !== "https:" && url.protocol !== "http:") return { ok: false, reason: "URL must use https" };
  if (url.username !== "" || url.password !== "") {
    return { ok: false, reason: "URL must not contain a username or password" };
  }

  const loopbackAllowed = policy.allowLoopback && isLoopback(url.hostname);
  // The host is judged before the scheme so that http://169.254.169.254 is refused for
  // what it is, not merely for lacking TLS.
  if (!loopbackAllowed) {
    const refused = refusedHost(url.hostname);
    if (refused !== undefined) return { ok: false, reason: refused };
    if (url.protocol !== "https:") return { ok: false, reason: "URL must use https" };
  }
  return { ok: true, url };
}

/** The reason a host is refused, or undefined when it may be called. */
function refusedHost(hostname: string): string | undefined {
  const v4 = parseIpv4(hostname);
  if (v4 !== undefined) return isRefusedIpv4(v4) ? addressReason(hostname) : undefined;
  if (hostname.startsWith("[")) {
    const inner = hostname.slice(1, -1);
    const groups = parseIpv6(inner);
    // The URL parser accepted it, so this only fails on a form it never produces.
    if (groups === undefined || isRefusedIpv6(groups)) return addressReason(inner);
    return undefined;
  }
  const name = withoutTrailingDot(hostname);
  if (LOCAL_NAME_SUFFIXES.some((suffix) => name === suffix.slice(1) || name.endsWith(suffix))) {
    return `URL names a local or internal host (${hostname})`;
  }
  return undefined;
}

function addressReason(address: string): string {
  return `URL names a private, loopback or link-local address (${address})`;
}

/** Names that only mean something inside a machine or a private network. */
const LOCAL_NAME_SUFFIXES = [".localhost", ".internal", ".local"];

/** Only these count as loopback for `allowLoopback`; other private space stays refused. */
function isLoopback(hostname: string): boolean {
  const v4 = parseIpv4(hostname);
  if (v4 !== undefined) return v4 >>> 24 === 127;
  if (hostname === "[::1]") return true;
  const name = withoutTrailingDot(hostname);
  return name === "localhost" || name.endsWith(".localhost");
}

function withoutTrailingDot(hostname: string): string {
  return hostname.endsWith(".") ? hostname.slice(0, -1) : hostname;
}

/** [network, prefix length] pairs, networks as unsigned 32-bit numbers. */
const REFUSED_IPV4: ReadonlyArray<readonly [number, number]> = [
  [ipv4(0, 0, 0, 0), 8], // "this network"
  [ipv4(10, 0, 0, 0), 8],
  [ipv4(100, 64, 0, 0), 10], // carrier-grade NAT
  [ipv4(127, 0, 0, 0), 8],
  [ipv4(169, 254, 0, 0), 16], // link-local, including the cloud metadata service
  [ipv4(172, 16, 0, 0), 12],
  [ipv4(192, 0, 0, 0), 24], // IETF protocol assignments
  [ipv4(192, 168, 0, 0), 16],
  [ipv4(198, 18, 0, 0), 15], // benchmarking
  [ipv4(224, 0, 0, 0), 4], // multicast
  [ipv4(240, 0, 0, 0), 4], // reserved, which also covers 255.255.255.255
];

function ipv4(a: number, b: number, c: number, d: number): number {
  return ((a << 24) | (b << 16) | (c << 8) | d) >>> 0;
}

function isRefusedIpv4(address: number): boolean {
  return REFUSED_IPV4.some(([network, prefix]) => address >>> (32 - prefix) === network >>> (32 - prefix));
}

/** A dotted quad as an unsigned 32-bit number, or undefined when it is not one. */
function parseIpv4(text: string): number | undefined {
  const match = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(text);
  if (match === null) return undefined;
  const octets = match.slice(1).map(Number);
  if (octets.some((octet) => octet > 255)) return undefined;
  const [a = 0, b = 0, c = 0, d = 0] = octets;
  return ipv4(a, b, c, d);
}

/** The eight 16-bit groups of an IPv6 address (without brackets), or undefined. */
function parseIpv6(text: string): number[] | undefined {
  const halves = text.split("::");
  if (halves.length > 2) return undefined;
  const head = groupsOf(halves[0] ?? "");
  const tail = halves.length === 2 ? groupsOf(halves[1] ?? "") : [];
  if (head === undefined || tail === undefined) return undefined;
  const missing = 8 - head.length - tail.length;
  if (halves.length === 2 ? missing < 1 : missing !== 0) return undefined;
  return [...head, ...Array<number>(missing).fill(0), ...tail];
}

function groupsOf(text: string): number[] | undefined {
  if (text === "") return [];
  const groups: number[] = [];
  const parts = text.split(":");
  for (const [i, part] of parts.entries()) {
    // A trailing dotted quad (::ffff:1.2.3.4) is two groups; the URL parser never emits
    // one, but accepting it keeps this function honest about what IPv6 text is.
    const v4 = i === parts.length - 1 ? parseIpv4(part) : undefined;
    if (v4 !== undefined) groups.push(v4 >>> 16, v4 & 0xffff);
    else if (/^[0-9a-f]{1,4}$/i.test(part)) groups.push(parseInt(part, 16));
    else return undefined;
  }
  return groups;
}

function isRefusedIpv6(groups: readonly number[]): boolean {
  const g = (i: number): number => groups[i] ?? 0;
  const embedded = (hi: number): number => ((g(hi) << 16) | g(hi + 1)) >>> 0;
  const zeroUpTo = (end: number): boolean => groups.slice(0, end).every((group) => group === 0);

  // ::/96 holds ::, ::1 and the deprecated IPv4-compatible ::a.b.c.d, which some stacks
  // still route as IPv4; as embedded addresses :: and ::1 read as 0.0.0.0 and 0.0.0.1,
  // both refused, so one rule covers all three.
  if (zeroUpTo(6)) return isRefusedIpv4(embedded(6));
  if (zeroUpTo(5) && g(5) === 0xffff) return isRefusedIpv4(embedded(6)); // IPv4-mapped
  if (g(0) === 0x64 && g(1) === 0xff9b && groups.slice(2, 6).every((group) => group === 0)) {
    return isRefusedIpv4(embedded(6)); // NAT64
  }
  if (g(0) === 0x2002) return isRefusedIpv4(embedded(1)); // 6to4
  if ((g(0) & 0xfe00) === 0xfc00) return true; // unique local
  if ((g(0) & 0xffc0) === 0xfe80) return true; // link-local
  return (g(0) & 0xff00) === 0xff00; // multicast
}
