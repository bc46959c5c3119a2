/**
 * The DNS half of the outbound URL policy: a name is looked up (A and AAAA, through an
 * injected HostResolver, in production DNS over HTTPS) and refused when any answer is not
 * global unicast, by url-policy.ts's own address rule. Run on the first URL and on every
 * redirect hop (safe-fetch.ts). It fails closed: a lookup that fails (refused, marked
 * retryable, as the resolver may answer later), or a name with no addresses, is refused
 * with the reason.
 *
 * What remains open (time of check to time of use): workerd's fetch resolves the name
 * again by itself, and a hostile DNS server can answer this lookup with a public address
 * and that one with a private one (DNS rebinding), as Workers cannot connect to a checked
 * address while keeping the name for TLS. This check shuts out names that simply point at
 * private space; Workers' fetch leaving from Cloudflare's edge, which cannot reach private
 * networks of the edge itself, is the defence behind it.
 */
import type { AddressType, HostResolver } from "./doh-resolver";
import {
  isAddressLiteral,
  isLoopbackHost,
  nonPublicAddressKind,
  type UrlPolicy,
  type UrlVerdict,
} from "./url-policy";

const TYPES: readonly AddressType[] = ["A", "AAAA"];

/**
 * Resolves `url`'s host and judges every address. Address literals pass through (url-policy
 * judged them), as do loopback names under `allowLoopback` (local development).
 */
export async function checkResolvedHost(
  url: URL,
  policy: UrlPolicy,
  resolve: HostResolver,
  signal?: AbortSignal,
): Promise<UrlVerdict> {
  const host = url.hostname;
  if (isAddressLiteral(host) || (policy.allowLoopback && isLoopbackHost(host)))
    return { ok: true, url };
  let answers: string[][];
  try {
    answers = await Promise.all(
      TYPES.map((type) => resolve(host, type, signal)),
    );
  } catch (error) {
    // An abort (the caller's timeout) is the caller's to report, not a DNS failure.
    if (signal?.aborted) throw error;
    const detail = error instanceof Error ? error.message : "unknown error";
    return {
      ok: false,
      reason: `DNS lookup for ${host} failed (${detail}); refusing a host that could not be checked`,
      retryable: true,
    };
  }
  const addresses = answers.flat();
  if (addresses.length === 0)
    return { ok: false, reason: `${host} has no A or AAAA record` };
  for (const address of addresses) {
    const kind = nonPublicAddressKind(address);
    if (kind !== undefined)
      return {
        ok: false,
        reason: `${host} resolves to a non-public address (${address}: ${kind})`,
      };
  }
  return { ok: true, url };
}
