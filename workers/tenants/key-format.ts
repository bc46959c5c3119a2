/**
 * API keys: `sk_{env}_{publicId}_{secret}`. The public id (16 base62 characters) names
 * the key in Redis, listings and logs; the secret (32 base62 characters, ~190 bits) is
 * shown once and only its SHA-256 is stored. Base62 has no `_`, so the three parts
 * split unambiguously, and a double-click selects the whole key.
 */
export type KeyEnv = "live" | "test";

export const PUBLIC_ID_LENGTH = 16;
export const SECRET_LENGTH = 32;
export const BASE62 =
  "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

const KEY_PATTERN = new RegExp(
  `^sk_(live|test)_([0-9A-Za-z]{${PUBLIC_ID_LENGTH}})_([0-9A-Za-z]{${SECRET_LENGTH}})$`,
);

export interface ParsedApiKey {
  env: KeyEnv;
  publicId: string;
  secret: string;
}

export interface GeneratedApiKey extends ParsedApiKey {
  /** The full key, to be shown once. */
  key: string;
  prefix: string;
}

// 248 = 4 × 62: bytes at or above it are redrawn, so every character is equally likely
// (a plain `byte % 62` would favour the first 8 characters).
const UNBIASED_BOUND = 248;
// getRandomValues fills at most 65,536 bytes a call; ~3% of bytes are redrawn.
const MAX_DRAW = 4096;

/** `length` characters drawn uniformly from BASE62 with crypto.getRandomValues. */
export function randomBase62(length: number): string {
  let out = "";
  while (out.length < length) {
    for (const byte of crypto.getRandomValues(
      new Uint8Array(Math.min(MAX_DRAW, (length - out.length) * 2)),
    )) {
      if (byte < UNBIASED_BOUND) out += BASE62[byte % 62];
      if (out.length === length) break;
    }
  }
  return out;
}

/** What a key shows of itself: `sk_{env}_{publicId}`. */
export function keyPrefix(env: KeyEnv, publicId: string): string {
  return `sk_${env}_${publicId}`;
}

export function generateApiKey(env: KeyEnv): GeneratedApiKey {
  const publicId = randomBase62(PUBLIC_ID_LENGTH);
  const secret = randomBase62(SECRET_LENGTH);
  const prefix = keyPrefix(env, publicId);
  return { env, publicId, secret, prefix, key: `${prefix}_${secret}` };
}

/** Strict: exactly the generated shape, no whitespace, no other env; else null. */
export function parseApiKey(text: string): ParsedApiKey | null {
  const match = KEY_PATTERN.exec(text);
  if (!match) return null;
  return { env: match[1] as KeyEnv, publicId: match[2]!, secret: match[3]! };
}
