/**
 * Address lookups over DNS over HTTPS, JSON flavour, for resolved-host-check.ts: Workers
 * have no DNS API, so asking a public resolver over HTTPS is how a name's addresses can be
 * seen before we call it. The protocol is Cloudflare's (the same schema as Google's):
 * `GET {endpoint}?name=…&type=A|AAAA` with `accept: application/dns-json`, answered with
 * `{Status, Answer: [{name, type, TTL, data}]}`; `Status` is the DNS RCODE (0 NOERROR,
 * 3 NXDOMAIN), answer `type` 1 is A and 28 is AAAA, and `Answer` also holds the CNAME
 * records that led there. Source:
 * https://developers.cloudflare.com/1.1.1.1/encryption/dns-over-https/make-api-requests/dns-json/
 *
 * Anything unexpected (a non-200 answer, another RCODE, a malformed body or address) is a
 * thrown error, so the caller refuses the URL rather than call a host it could not check.
 */
import ipaddr from "ipaddr.js";
import { readAtMost } from "../http/read-at-most";

export type AddressType = "A" | "AAAA";

/**
 * The addresses a name has for one record type ([] when it has none or does not exist).
 * Throws when the lookup itself fails; `signal` aborts it.
 */
export type HostResolver = (
  name: string,
  type: AddressType,
  signal?: AbortSignal,
) => Promise<string[]>;

const RECORD_TYPE = { A: 1, AAAA: 28 } as const;
const NOERROR = 0;
const NXDOMAIN = 3;
/** A JSON answer for one name and type is well under this; more is not an answer we read. */
const MAX_ANSWER_BYTES = 64 * 1024;

interface DohAnswer {
  Status?: unknown;
  Answer?: unknown;
}

/** A HostResolver that asks the DoH JSON endpoint at `endpoint` (e.g. https://cloudflare-dns.com/dns-query). */
export function dohResolver(
  endpoint: string,
  doFetch: typeof fetch = fetch,
): HostResolver {
  return async function resolveOverDoh(name, type, signal) {
    const url = new URL(endpoint);
    url.searchParams.set("name", name);
    url.searchParams.set("type", type);
    const response = await doFetch(url.href, {
      headers: { accept: "application/dns-json" },
      redirect: "manual",
      signal,
    });
    // A redirect is not followed (workerd has no redirect: "error"): any status but 200 is a failure.
    if (response.status !== 200) {
      await response.body?.cancel();
      throw new Error(`DNS over HTTPS answered ${response.status}`);
    }
    const bytes = await readAtMost(response.body, MAX_ANSWER_BYTES);
    if (bytes === null) throw new Error("DNS over HTTPS answer too large");
    let answer: DohAnswer;
    try {
      answer = JSON.parse(new TextDecoder().decode(bytes)) as DohAnswer;
    } catch {
      throw new Error("DNS over HTTPS answer is not JSON");
    }
    if (answer.Status === NXDOMAIN) return [];
    if (answer.Status !== NOERROR)
      throw new Error(
        `DNS over HTTPS lookup failed with status ${String(answer.Status)}`,
      );
    return addressesOf(answer.Answer ?? [], type);
  };
}

function addressesOf(records: unknown, type: AddressType): string[] {
  if (!Array.isArray(records))
    throw new Error("DNS over HTTPS answer is malformed");
  const addresses: string[] = [];
  for (const record of records as Array<{ type?: unknown; data?: unknown }>) {
    if (record?.type !== RECORD_TYPE[type]) continue;
    const data = record.data;
    const valid =
      typeof data === "string" &&
      (type === "A"
        ? ipaddr.IPv4.isValidFourPartDecimal(data)
        : ipaddr.IPv6.isValid(data));
    if (!valid)
      throw new Error("DNS over HTTPS answer holds a malformed address");
    addresses.push(data);
  }
  return addresses;
}
