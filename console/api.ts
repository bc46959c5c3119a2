/**
 * Calls to this origin's JSON API with the session's Bearer credential. A failure
 * becomes an `ApiFailure` carrying the OpenAI error envelope's fields, so a view can
 * react to `tenant_suspended` or a missing scope rather than to a bare status.
 */
import type { Session } from "./session";

/** An error answer: HTTP status plus the envelope's `message`, `code` and `param`. */
export class ApiFailure extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly code: string | null,
    readonly param: string | null,
  ) {
    super(message);
  }
}

async function failureFrom(res: Response): Promise<ApiFailure> {
  try {
    const body = (await res.json()) as {
      error?: { message?: string; code?: string | null; param?: string | null };
    };
    const err = body.error ?? {};
    return new ApiFailure(
      res.status,
      err.message ?? `HTTP ${res.status}`,
      err.code ?? null,
      err.param ?? null,
    );
  } catch {
    return new ApiFailure(res.status, `HTTP ${res.status}`, null, null);
  }
}

/** The raw response of `method path` (same origin), after checking it is a 2xx. */
export async function apiResponse(
  session: Session,
  method: string,
  path: string,
  body?: unknown,
): Promise<Response> {
  const headers: Record<string, string> = {
    authorization: `Bearer ${session.token}`,
  };
  if (body !== undefined) headers["content-type"] = "application/json";
  const res = await fetch(path, {
    method,
    headers,
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  if (!res.ok) throw await failureFrom(res);
  return res;
}

/** `method path` answered as JSON of type T (the caller names the documented shape). */
export async function api<T>(
  session: Session,
  method: string,
  path: string,
  body?: unknown,
): Promise<T> {
  return (await (await apiResponse(session, method, path, body)).json()) as T;
}

/** What to tell the user about a failed call. */
export function describeFailure(error: unknown): string {
  if (error instanceof ApiFailure) {
    // The view's banner says why; each section just says it is unavailable.
    if (error.code === "tenant_suspended")
      return "Unavailable while this tenant is suspended.";
    return `${error.message} (HTTP ${error.status})`;
  }
  return error instanceof Error ? error.message : String(error);
}
