/**
 * `POST /v1/index/jobs` bodies: the zod schema (also the OpenAPI entry), then the
 * deployment's limits, which the schema cannot know: documents per job (400), bytes per
 * document (413), and the address rules for document and callback URLs (400, before
 * anything is queued; the consumer checks every redirect again).
 */
import { z } from "@hono/zod-openapi";
import { ApiError, invalidRequest } from "../errors/api-error";
import { schemaError } from "../errors/schema-error";
import { FULL_DIMENSIONS, MIN_DIMENSIONS } from "../embeddings/request-schema";
import { MAX_CHUNK_TOKENS, MIN_CHUNK_TOKENS, type IndexingConfig } from "../env";
import { checkOutboundUrl } from "./url-policy";

/** Metadata is copied onto every chunk's line, so it stays small. */
export const MAX_METADATA_BYTES = 8 * 1024;

const DocumentSchema = z
  .strictObject({
    id: z
      .string({ error: "'id' must be a string." })
      .min(1, { error: "'id' cannot be empty." })
      .max(256, { error: "'id' must be at most 256 characters." }),
    text: z.string({ error: "'text' must be a string." }).min(1, { error: "'text' cannot be empty." }).optional(),
    url: z.string({ error: "'url' must be a string." }).optional(),
    metadata: z.record(z.string(), z.unknown(), { error: "'metadata' must be an object." }).optional(),
  })
  .superRefine((doc, ctx) => {
    if ((doc.text === undefined) === (doc.url === undefined)) {
      ctx.addIssue({ code: "custom", path: ["text"], message: "Each document needs exactly one of 'text' or 'url'." });
    }
  });

const int = (name: string, min: number, max: number) =>
  z
    .number({ error: `'${name}' must be an integer between ${min} and ${max}.` })
    .int({ error: `'${name}' must be an integer between ${min} and ${max}.` })
    .min(min, { error: `'${name}' must be an integer between ${min} and ${max}.` })
    .max(max, { error: `'${name}' must be an integer between ${min} and ${max}.` });

export const JobRequestSchema = z
  .strictObject({
    documents: z
      .array(DocumentSchema, { error: "'documents' must be an array of documents." })
      .min(1, { error: "'documents' cannot be empty." }),
    chunking: z
      .strictObject({
        max_tokens: int("max_tokens", MIN_CHUNK_TOKENS, MAX_CHUNK_TOKENS),
        overlap_tokens: int("overlap_tokens", 0, MAX_CHUNK_TOKENS / 2),
      })
      .refine((c) => c.overlap_tokens * 2 <= c.max_tokens, {
        path: ["overlap_tokens"],
        message: "'overlap_tokens' must be at most half of 'max_tokens'.",
      })
      .optional(),
    input_type: z.enum(["query", "document"], { error: "'input_type' must be 'query' or 'document'." }).optional(),
    instruction: z
      .string({ error: "'instruction' must be a string." })
      .min(1, { error: "'instruction' cannot be empty." })
      .max(4096, { error: "'instruction' must be at most 4096 characters." })
      .optional(),
    dimensions: int("dimensions", MIN_DIMENSIONS, FULL_DIMENSIONS).optional(),
    callback_url: z.string({ error: "'callback_url' must be a string." }).optional(),
  })
  .openapi("CreateIndexJobRequest");

export type JobRequest = z.output<typeof JobRequestSchema>;
export type JobDocument = JobRequest["documents"][number];

const FIELD_ORDER = Object.keys(JobRequestSchema.shape);
const utf8Bytes = (text: string): number => new TextEncoder().encode(text).byteLength;

export function parseJobRequest(body: unknown, config: IndexingConfig): JobRequest {
  if (typeof body !== "object" || body === null || Array.isArray(body)) throw invalidRequest("The request body must be a JSON object.");
  const result = JobRequestSchema.safeParse(body);
  if (!result.success) throw schemaError(result.error.issues, FIELD_ORDER);
  const job = result.data;
  if (job.documents.length > config.maxDocuments) {
    throw invalidRequest(`A job may have at most ${config.maxDocuments} documents; got ${job.documents.length}.`, "documents");
  }
  const policy = { allowLoopback: config.allowLoopbackUrls };
  const seen = new Set<string>();
  job.documents.forEach((doc, i) => {
    if (seen.has(doc.id)) throw invalidRequest(`Document id '${doc.id.slice(0, 100)}' appears more than once.`, `documents[${i}].id`);
    seen.add(doc.id);
    if (doc.text !== undefined && utf8Bytes(doc.text) > config.maxDocumentBytes) {
      throw new ApiError("request_too_large", `Document ${i} is larger than the limit of ${config.maxDocumentBytes} bytes.`, {
        param: `documents[${i}].text`,
        code: "document_too_large",
      });
    }
    if (doc.metadata !== undefined && utf8Bytes(JSON.stringify(doc.metadata)) > MAX_METADATA_BYTES) {
      throw invalidRequest(`Document metadata must be at most ${MAX_METADATA_BYTES} bytes as JSON.`, `documents[${i}].metadata`);
    }
    if (doc.url !== undefined) {
      const verdict = checkOutboundUrl(doc.url, policy);
      if (!verdict.ok) throw invalidRequest(`Document URL refused: ${verdict.reason}.`, `documents[${i}].url`, "url_not_allowed");
    }
  });
  if (job.callback_url !== undefined) {
    const verdict = checkOutboundUrl(job.callback_url, policy);
    if (!verdict.ok) throw invalidRequest(`Callback URL refused: ${verdict.reason}.`, "callback_url", "url_not_allowed");
  }
  return job;
}
