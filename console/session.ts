/**
 * The signed-in credential: a tenant's API key or the operator's admin token, kept in
 * `sessionStorage` only (gone when the tab closes; never a cookie, a URL or a log line),
 * and sent by the page as `Authorization: Bearer`.
 */

/** Who is signed in. */
export type Role = "tenant" | "operator";

export interface Session {
  role: Role;
  token: string;
}

const STORAGE_KEY = "console.session";

/** The stored session, or null when none (or when what is stored is not one). */
export function loadSession(): Session | null {
  const raw = sessionStorage.getItem(STORAGE_KEY);
  if (!raw) return null;
  try {
    const parsed = JSON.parse(raw) as Partial<Session>;
    if (
      (parsed.role === "tenant" || parsed.role === "operator") &&
      typeof parsed.token === "string"
    ) {
      return { role: parsed.role, token: parsed.token };
    }
  } catch {
    // Not ours: treated as signed out below.
  }
  sessionStorage.removeItem(STORAGE_KEY);
  return null;
}

export function saveSession(session: Session): void {
  sessionStorage.setItem(STORAGE_KEY, JSON.stringify(session));
}

export function clearSession(): void {
  sessionStorage.removeItem(STORAGE_KEY);
}
