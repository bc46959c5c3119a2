/**
 * `POST /v1/index/jobs` bodies: the zod schema (also the OpenAPI entry), then the
 * deployment's limits, which the schema cannot know: documents per job (400), bytes per
 * document (413), and the address rules for document and callback URLs (400, before
 * anything is queued; the consumer checks every redirect again).
 *
 * A `__proto__` key inside a document's `metadata` is refused (400 naming where it is)
 * rather than kept: JSON.parse makes it a plain own key, but zod's `z.record` drops it
 * (zod 4.6.7, checked), and any later `obj[key] = value` copy would set a prototype
 * instead of a key. Refusing keeps the stored metadata exactly what was sent. Metadata
 * nested past 32 levels is refused as well (400), before anything serialises it recursively.
 */
import { z } from "@hono/zod-openapi";
import { ApiError, invalidRequest } from "../errors/api-error";
import { validated } from "../errors/schema-error";
import { asJsonObject } from "../http/json-object-body";
import {
  InputTypeSchema,
  InstructionSchema,
  refuseInstructionForDocuments,
} from "../embeddings/request-schema";
import { EMBEDDING_DIMENSIONS, MIN_DIMENSIONS } from "../model";
import {
  MAX_CHUNK_TOKENS,
  MIN_CHUNK_TOKENS,
  type IndexingConfig,
} from "../env";
import { checkOutboundUrl } from "./url-policy";

/** Metadata is copied onto every chunk's line, so it stays small. */
export const MAX_METADATA_BYTES = 8 * 1024;

const DocumentSchema = z
  .strictObject({
    id: z
      .string({ error: "'id' must be a string." })
      .min(1, { error: "'id' cannot be empty." })
      .max(256, { error: "'id' must be at most 256 characters." }),
    text: z
      .string({ error: "'text' must be a string." })
      .min(1, { error: "'text' cannot be empty." })
      .optional(),
    url: z.string({ error: "'url' must be a string." }).optional(),
    metadata: z
      .record(z.string(), z.unknown(), {
        error: "'metadata' must be an object.",
      })
      .optional(),
  })
  .superRefine((doc, ctx) => {
    if ((doc.text === undefined) === (doc.url === undefined)) {
      ctx.addIssue({
        code: "custom",
        path: ["text"],
        message: "Each document needs exactly one of 'text' or 'url'.",
      });
    }
  });

const int = (name: string, min: number, max: number) =>
  z
    .number({
      error: `'${name}' must be an integer between ${min} and ${max}.`,
    })
    .int({ error: `'${name}' must be an integer between ${min} and ${max}.` })
    .min(min, {
      error: `'${name}' must be an integer between ${min} and ${max}.`,
    })
    .max(max, {
      error: `'${name}' must be an integer between ${min} and ${max}.`,
    });

export const JobRequestSchema = z
  .strictObject({
    documents: z
      .array(DocumentSchema, {
        error: "'documents' must be an array of documents.",
      })
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
    input_type: InputTypeSchema.optional(),
    instruction: InstructionSchema.optional(),
    dimensions: int(
      "dimensions",
      MIN_DIMENSIONS,
      EMBEDDING_DIMENSIONS,
    ).optional(),
    callback_url: z
      .string({ error: "'callback_url' must be a string." })
      .optional(),
  })
  .superRefine(refuseInstructionForDocuments)
  .openapi("CreateIndexJobRequest");

export type JobRequest = z.output<typeof JobRequestSchema>;
export type JobDocument = JobRequest["documents"][number];

const utf8Bytes = (text: string): number =>
  new TextEncoder().encode(text).byteLength;

/**
 * A parsed body checked the way `POST /v1/index/jobs` checks it (the route applies the
 * same steps as middleware, validation hook and handler): JSON object, `__proto__` keys,
 * schema, then the deployment's limits.
 */
export function parseJobRequest(
  body: unknown,
  config: IndexingConfig,
): JobRequest {
  const object = asJsonObject(body);
  refuseProtoKeysInMetadata(object);
  return checkJobLimits(validated(JobRequestSchema, object), config);
}

/** The checks the schema cannot make: this deployment's limits and URL rules (400/413). */
export function checkJobLimits(
  job: JobRequest,
  config: IndexingConfig,
): JobRequest {
  if (job.documents.length > config.maxDocuments) {
    throw invalidRequest(
      `A job may have at most ${config.maxDocuments} documents; got ${job.documents.length}.`,
      "documents",
    );
  }
  const policy = { allowLoopback: config.allowLoopbackUrls };
  const seen = new Set<string>();
  job.documents.forEach((doc, i) => {
    if (seen.has(doc.id))
      throw invalidRequest(
        `Document id '${doc.id.slice(0, 100)}' appears more than once.`,
        `documents[${i}].id`,
      );
    seen.add(doc.id);
    if (
      doc.text !== undefined &&
      utf8Bytes(doc.text) > config.maxDocumentBytes
    ) {
      throw new ApiError(
        "request_too_large",
        `Document ${i} is larger than the limit of ${config.maxDocumentBytes} bytes.`,
        {
          param: `documents[${i}].text`,
          code: "document_too_large",
        },
      );
    }
    if (
      doc.metadata !== undefined &&
      utf8Bytes(JSON.stringify(doc.metadata)) > MAX_METADATA_BYTES
    ) {
      throw invalidRequest(
        `Document metadata must be at most ${MAX_METADATA_BYTES} bytes as JSON.`,
        `documents[${i}].metadata`,
      );
    }
    if (doc.url !== undefined) {
      const verdict = checkOutboundUrl(doc.url, policy);
      if (!verdict.ok)
        throw invalidRequest(
          `Document URL refused: ${verdict.reason}.`,
          `documents[${i}].url`,
          "url_not_allowed",
        );
    }
  });
  if (job.callback_url !== undefined) {
    const verdict = checkOutboundUrl(job.callback_url, policy);
    if (!verdict.ok)
      throw invalidRequest(
        `Callback URL refused: ${verdict.reason}.`,
        "callback_url",
        "url_not_allowed",
      );
  }
  return job;
}

/** Deeper metadata is refused: nothing needs it, and serialising it recursively could overflow the stack. */
const MAX_METADATA_DEPTH = 32;

/**
 * Throws a 400 naming the first `__proto__` key at any depth of any document's `metadata`
 * in the parsed JSON body (before the schema, which would drop it silently), or the first
 * value nested deeper than MAX_METADATA_DEPTH. Only own keys are seen: JSON.parse creates
 * `__proto__` as one.
 */
export function refuseProtoKeysInMetadata(body: object): void {
  const documents: unknown = (body as { documents?: unknown }).documents;
  if (!Array.isArray(documents)) return;
  documents.forEach((doc: unknown, i) => {
    if (
      typeof doc !== "object" ||
      doc === null ||
      !Object.hasOwn(doc, "metadata")
    )
      return;
    const problem = metadataProblem(
      (doc as { metadata: unknown }).metadata,
      `documents[${i}].metadata`,
    );
    if (problem?.kind === "proto") {
      throw invalidRequest(
        `Document metadata may not contain the key '__proto__' (at ${problem.path}).`,
        problem.path,
        "metadata_key_not_allowed",
      );
    }
    if (problem?.kind === "depth") {
      throw invalidRequest(
        `Document metadata may be nested at most ${MAX_METADATA_DEPTH} levels deep.`,
        `documents[${i}].metadata`,
      );
    }
  });
}

/**
 * The path of an own `__proto__` key in a JSON value, or of a value nested too deeply, or
 * undefined. Iterative, so a deeply nested body cannot overflow the stack here.
 */
function metadataProblem(
  root: unknown,
  rootPath: string,
): { kind: "proto" | "depth"; path: string } | undefined {
  const pending: Array<[unknown, string, number]> = [[root, rootPath, 1]];
  for (let next = pending.pop(); next !== undefined; next = pending.pop()) {
    const [value, path, depth] = next;
    if (typeof value !== "object" || value === null) continue;
    if (depth > MAX_METADATA_DEPTH) return { kind: "depth", path };
    if (Array.isArray(value)) {
      value.forEach((item: unknown, i) =>
        pending.push([item, `${path}[${i}]`, depth + 1]),
      );
      continue;
    }
    for (const [key, item] of Object.entries(value)) {
      if (key === "__proto__")
        return { kind: "proto", path: `${path}.__proto__` };
      pending.push([item, `${path}.${key}`, depth + 1]);
    }
  }
  return undefined;
}
