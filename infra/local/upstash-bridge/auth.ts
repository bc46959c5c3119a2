/**
 * Bearer-token check for the bridge, the way Upstash's REST endpoint checks
 * `Authorization: Bearer <token>`. Fail closed: anything but an exact match is refused.
 */
import { createHash, timingSafeEqual } from "node:crypto";

/**
 * Upstash's text for a missing or wrong REST token (its troubleshooting page
 * "WRONGPASS invalid or missing auth token"); @upstash/redis puts it in the thrown
 * error's message.
 */
export const UNAUTHORIZED_MESSAGE = "WRONGPASS invalid or missing auth token";

export type TokenCheck = (authorizationHeader: string | undefined) => boolean;

/**
 * Builds a checker for one token. Both sides are hashed to SHA-256 first so that
 * `timingSafeEqual` always compares 32 equal-length buffers: the comparison time then
 * depends neither on where the tokens differ nor on the presented token's length.
 */
export function bearerTokenCheck(token: string): TokenCheck {
  if (token.length === 0) throw new Error("the bridge token must not be empty");
  const expected = digest(token);
  return (header) => {
    const presented = header?.match(/^Bearer[ \t]+(\S+)[ \t]*$/i)?.[1];
    if (presented === undefined) return false;
    return timingSafeEqual(digest(presented), expected);
  };
}

function digest(value: string): Buffer {
  return createHash("sha256").update(value, "utf8").digest();
}
