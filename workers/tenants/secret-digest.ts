/**
 * SHA-256 of key secrets, and the constant-time comparison of digests. Comparing
 * digests rather than secrets gives timingSafeEqual equal-length inputs whatever was
 * presented, so neither a secret's length nor a matching prefix shows in timing.
 */
const encoder = new TextEncoder();

export async function sha256Bytes(text: string): Promise<Uint8Array> {
  return new Uint8Array(
    await crypto.subtle.digest("SHA-256", encoder.encode(text)),
  );
}

export async function sha256Hex(text: string): Promise<string> {
  return [...(await sha256Bytes(text))]
    .map((b) => b.toString(16).padStart(2, "0"))
    .join("");
}

/** A stored `secret_sha256` (64 lowercase hex digits, checked in records.ts) as bytes. */
export function digestFromHex(hex: string): Uint8Array {
  const bytes = new Uint8Array(hex.length / 2);
  for (let i = 0; i < bytes.length; i++)
    bytes[i] = parseInt(hex.slice(i * 2, i * 2 + 2), 16);
  return bytes;
}

/**
 * Compared with a presented secret's digest when the key id has no record, so an unknown
 * id costs the same digest and comparison as a wrong secret. All zeros: no known input
 * hashes to it, and the unknown path refuses whatever the comparison says.
 */
export const PLACEHOLDER_DIGEST: Uint8Array = new Uint8Array(32);

/** Both arguments are 32-byte SHA-256 digests; workerd's timingSafeEqual does not exit early. */
export function digestsEqual(a: Uint8Array, b: Uint8Array): boolean {
  return a.byteLength === b.byteLength && crypto.subtle.timingSafeEqual(a, b);
}
