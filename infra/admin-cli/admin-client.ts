/**
 * The admin API over HTTP for the CLI. The token travels only in the Authorization
 * header; no error message built here contains it (nor the URL's credentials, if any).
 */
export class CliFailure extends Error {
  override name = "CliFailure";
  constructor(
    message: string,
    /** 1: the API or the network failed; 2: the command line was wrong. */
    readonly exitCode: 1 | 2,
  ) {
    super(message);
  }
}

export interface AdminClient {
  /** The parsed JSON body, or null for an empty (204) answer; throws CliFailure otherwise. */
  request(method: string, path: string, body?: unknown): Promise<unknown>;
}

export function adminClient(
  baseUrl: string,
  token: string,
  fetchFn: typeof fetch = fetch,
): AdminClient {
  const base = new URL(baseUrl);
  const where = base.origin;
  return {
    async request(method, path, body) {
      let res: Response;
      try {
        res = await fetchFn(new URL(path, base), {
          method,
          headers: {
            authorization: `Bearer ${token}`,
            ...(body === undefined
              ? {}
              : { "content-type": "application/json" }),
          },
          ...(body === undefined ? {} : { body: JSON.stringify(body) }),
        });
      } catch (error) {
        const cause = (error as { cause?: { code?: string; message?: string } })
          .cause;
        const reason =
          cause?.code ?? cause?.message ?? (error as Error).message;
        throw new CliFailure(
          `cannot reach the admin API at ${where}: ${reason}`,
          1,
        );
      }
      const text = await res.text();
      const parsed = parseJson(text);
      if (!res.ok)
        throw new CliFailure(apiErrorMessage(res.status, parsed, text), 1);
      return text === "" ? null : parsed;
    },
  };
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/** The API's own message (OpenAI envelope), with the status and code for scripts and humans. */
function apiErrorMessage(
  status: number,
  parsed: unknown,
  text: string,
): string {
  const error = (
    parsed as { error?: { message?: unknown; code?: unknown } } | undefined
  )?.error;
  if (error && typeof error.message === "string") {
    const code = typeof error.code === "string" ? ` ${error.code}` : "";
    return `${error.message} (HTTP ${status}${code})`;
  }
  return `HTTP ${status}: ${text.slice(0, 200) || "(empty body)"}`;
}
