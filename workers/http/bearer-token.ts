/** The token of an `Authorization: Bearer <token>` header; null for anything else. */
export function bearerToken(header: string | undefined): string | null {
  return header?.match(/^Bearer[ \t]+(\S+)[ \t]*$/i)?.[1] ?? null;
}
