/**
 * The consumer's unit of work: one document of one job. Read its input from R2 (or
 * fetch its URL), chunk it by exact Qwen3 tokens, embed the chunks through the same
 * pipeline, cache and GPU pool as `/v1/embeddings` (on the bulk lane), write its JSONL
 * part, meter it, and record the outcome on the job.
 *
 * Safe to run twice (redelivery, a consumer killed mid-job): the job's Durable Object
 * says whether the document is already done; the part is written whole under a fixed
 * key, so a second run replaces it with the same lines; the usage event's id is fixed
 * per document, so it is counted once; and the second run's chunks are cache hits.
 */
import { PUBLIC_MODEL_ID } from "../model";
import { ApiError } from "../errors/api-error";
import { requestVectorCache } from "../cache/vector-cache";
import {
  createEmbeddings,
  type EmbeddingsResult,
} from "../embeddings/pipeline";
import { encodeFloat32Base64 } from "../codec/float32-base64";
import { qwen3TokenCount } from "../tokenizer/qwen3-tokens";
import { newUsageEvent } from "../metering/usage-event";
import type { Services } from "../services";
import { chunkText, type TextChunk } from "./chunker";
import { DocumentFailure } from "./document-errors";
import { fetchDocumentText } from "./fetch-document";
import { activeTenant, chargeJobTokens } from "./job-quota";
import { readInput, writeResultPart } from "./job-storage";
import type { DocumentMessage, DocumentOutcome } from "./document-message";
import type { JobRecord } from "./job-records";
import type { Tenant } from "../tenants/records";
import { jobsFor } from "./jobs-for";

/** Chunks per pipeline call: the pipeline dedupes, looks up and admits per call. */
const CHUNKS_PER_CALL = 256;

export interface IndexDeps {
  /** Bindings: the jobs' Durable Object and the results bucket. */
  env: Env;
  services: Services;
  background(work: Promise<unknown>): void;
}

/** Resolves when the document is done (or had nothing to do); throws to have the message retried. */
export async function indexDocument(
  message: DocumentMessage,
  deps: IndexDeps,
): Promise<void> {
  const jobs = jobsFor(deps.env, message.tenant_id);
  const job = await jobs.beginDocument(message.job_id, message.index);
  if (!job) return;
  let outcome: DocumentOutcome;
  try {
    outcome = await embedDocument(job, message.index, deps);
  } catch (error) {
    if (!(error instanceof DocumentFailure)) {
      const reason = error instanceof Error ? error.message : String(error);
      await jobs.noteAttemptError(job.id, {
        code: "document_attempt_failed",
        message: `document ${message.index}: ${reason}`,
      });
      throw error;
    }
    outcome = {
      chunks: 0,
      chunks_from_cache: 0,
      chunks_computed: 0,
      error: {
        code: error.code,
        message: `document ${message.index}: ${error.message}`,
      },
    };
  }
  await jobs.recordDocument(job.id, message.index, outcome);
}

async function embedDocument(
  job: JobRecord,
  index: number,
  deps: IndexDeps,
): Promise<DocumentOutcome> {
  const { env, services } = deps;
  const { config } = services;
  const tenancy = services.tenancy();
  const input = await readInput(
    env.INDEX_RESULTS,
    job.tenant_id,
    job.id,
    index,
  );
  if (!input)
    throw new DocumentFailure(
      "document_missing",
      "the document's stored input is missing",
    );
  const tenant = await activeTenant(tenancy.redis, job.tenant_id);
  const text =
    input.text ?? (await fetchDocumentText(input.url!, config.indexing));
  const chunks = await chunkText(
    text,
    {
      maxTokens: job.chunking.max_tokens,
      overlapTokens: job.chunking.overlap_tokens,
    },
    qwen3TokenCount,
  );
  if (chunks.length === 0)
    throw new DocumentFailure("empty_document", "the document has no text");

  const results: EmbeddingsResult[] = [];
  for (let i = 0; i < chunks.length; i += CHUNKS_PER_CALL) {
    results.push(
      await embedChunks(
        job,
        tenant,
        chunks.slice(i, i + CHUNKS_PER_CALL),
        deps,
      ).catch((error: unknown) => rejectedChunk(error, i)),
    );
  }
  const vectors = results.flatMap((r) => r.vectors);
  const metadata = input.metadata ?? null;
  const jsonl = chunks
    .map((chunk, k) =>
      JSON.stringify({
        document_id: input.id,
        chunk_index: k,
        start: chunk.start,
        end: chunk.end,
        token_count: chunk.tokenCount,
        embedding: encodeFloat32Base64(vectors[k]!),
        metadata,
      }),
    )
    .join("\n");
  await writeResultPart(
    env.INDEX_RESULTS,
    job.tenant_id,
    job.id,
    index,
    `${jsonl}\n`,
  );

  const sum = (pick: (r: EmbeddingsResult) => number) =>
    results.reduce((total, r) => total + pick(r), 0);
  const tokensComputed = sum((r) => r.tokensComputed);
  // One event per document with a fixed id: a redelivered document is metered once.
  const event = {
    ...newUsageEvent({
      tenantId: job.tenant_id,
      inputs: chunks.length,
      tokensComputed,
      tokensCached: sum((r) => r.promptTokens) - tokensComputed,
      gpuMs: sum((r) => r.gpuMs),
    }),
    event_id: `evt_${job.id}_${index}`,
  };
  deps.background(tenancy.usage.record(event));
  return {
    chunks: chunks.length,
    chunks_from_cache: sum((r) => r.hits),
    chunks_computed: sum((r) => r.misses),
    error: null,
  };
}

/**
 * A chunk the model refused (the pipeline's 400 naming `input[k]`) fails the same way on
 * every redelivery, so it fails the document for good, naming the chunk; anything else
 * is rethrown as transient.
 */
function rejectedChunk(error: unknown, firstChunk: number): never {
  if (!(error instanceof ApiError) || error.kind !== "invalid_request")
    throw error;
  const k = /^input\[(\d+)\]$/.exec(error.body.param ?? "")?.[1];
  const message =
    k === undefined
      ? error.body.message
      : error.body.message.replace(
          /^input\[\d+\]/,
          `chunk ${firstChunk + Number(k)}`,
        );
  throw new DocumentFailure("input_rejected", message);
}

function embedChunks(
  job: JobRecord,
  tenant: Tenant,
  chunks: readonly TextChunk[],
  deps: IndexDeps,
): Promise<EmbeddingsResult> {
  const { services } = deps;
  const { config } = services;
  const tenancy = services.tenancy();
  return createEmbeddings(
    {
      model: PUBLIC_MODEL_ID,
      input: { kind: "text", items: chunks.map((c) => c.text) },
      encoding_format: "base64",
      dimensions: job.dimensions ?? undefined,
      user: undefined,
      input_type: job.input_type ?? undefined,
      instruction: job.instruction ?? undefined,
    },
    {
      cache: requestVectorCache(services.cache, {
        tenantId: job.tenant_id,
        cacheControl: undefined,
        background: deps.background,
        timed: (_metric, step) => step(),
        requestId: job.id,
      }),
      recordDtype: config.cache.recordDtype,
      contextLength: config.contextLength,
      singleFlight: services.singleFlight,
      embedOnGpu: services.bulkGpu,
      admit: ({ tokens }) =>
        chargeJobTokens(tenancy.redis, config.tenancy, tenant, tokens),
      timed: (_metric, step) => step(),
    },
  );
}
