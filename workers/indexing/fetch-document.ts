/**
 * A URL document's text: fetched through safeFetch (https only, every redirect checked,
 * non-public addresses refused as written and as resolved, size and time bounded), accepted
 * only as text (text/*, JSON, XML), decoded as UTF-8. 408, 425, 429 and 5xx answers are
 * transient (the message is retried); other non-2xx answers fail the document.
 */
import type { IndexingConfig } from "../env";
import { DocumentFailure } from "./document-errors";
import { dohResolver } from "./doh-resolver";
import { safeFetch } from "./safe-fetch";

const TEXT_TYPES =
  /^(?:text\/[\w.+-]+|application\/(?:[\w.+-]+\+)?(?:json|xml))\s*(?:;|$)/i;
const TRANSIENT_STATUSES = new Set([408, 425, 429]);

export class TransientFetchError extends Error {
  override name = "TransientFetchError";
}

export async function fetchDocumentText(
  url: string,
  config: IndexingConfig,
): Promise<string> {
  const result = await safeFetch(url, {
    policy: { allowLoopback: config.allowLoopbackUrls },
    resolve: dohResolver(config.dohUrl),
    timeoutMs: config.fetchTimeoutMs,
    maxBytes: config.maxDocumentBytes,
    maxRedirects: config.fetchMaxRedirects,
    headers: {
      accept:
        "text/plain, text/markdown, text/html;q=0.9, application/json;q=0.8, */*;q=0.1",
    },
  });
  if (!result.ok) {
    if (result.retryable)
      throw new TransientFetchError(
        `fetching the document failed: ${result.reason}`,
      );
    throw new DocumentFailure(
      "document_fetch_refused",
      `fetching the document was refused: ${result.reason}`,
    );
  }
  if (result.status >= 500 || TRANSIENT_STATUSES.has(result.status)) {
    throw new TransientFetchError(
      `the document's server answered HTTP ${result.status}`,
    );
  }
  if (result.status < 200 || result.status > 299) {
    throw new DocumentFailure(
      "document_fetch_failed",
      `the document's server answered HTTP ${result.status}`,
    );
  }
  const type = result.headers.get("content-type") ?? "text/plain";
  if (!TEXT_TYPES.test(type)) {
    throw new DocumentFailure(
      "unsupported_document_type",
      `documents must be text; the server sent '${type.slice(0, 100)}'`,
    );
  }
  const text = new TextDecoder().decode(result.body);
  if (text.trim().length === 0)
    throw new DocumentFailure("empty_document", "the document has no text");
  return text;
}
