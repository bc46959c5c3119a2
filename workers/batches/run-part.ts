/**
 * The batch consumer's unit of work: one part (BATCH_LINES_PER_MESSAGE lines) of one
 * batch. Each line runs exactly like a `/v1/embeddings` request (same body validation,
 * same pipeline and cache, same rendered body) but on the bulk lane's GPU pool, as
 * indexing does (indexing/index-document.ts), so a batch never starves interactive
 * traffic; the lines' GPU work shares calls (gpu-coalescer.ts). A line the API would answer with a 4xx becomes an error-file line with that
 * status and envelope; the batch goes on. A 5xx (GPU pool or a store unreachable) is
 * transient: the part is retried, and the dead-letter queue settles it for good.
 *
 * Safe to run twice (redelivery, a consumer killed mid-part): the batch's Durable Object
 * says whether the part is done; its output and error objects are written whole under
 * fixed keys; its usage event has a fixed id (`evt_{batch}_{part}`, counted once); and a
 * second run's lines are cache hits.
 */
import { requestVectorCache } from "../cache/vector-cache";
import { ApiError } from "../errors/api-error";
import {
  createEmbeddings,
  type EmbeddingsResult,
} from "../embeddings/pipeline";
import { validateEmbeddingBody } from "../embeddings/parse-request";
import { renderEmbeddingsBody } from "../embeddings/render-response";
import { DocumentFailure } from "../indexing/document-errors";
import { activeTenant, chargeJobTokens } from "../indexing/job-quota";
import { tenantSuspended } from "../tenants/tenant-suspended";
import { newUsageEvent } from "../metering/usage-event";
import type { Services } from "../services";
import type { Tenant } from "../tenants/records";
import { readInputPart, writeLines } from "./batch-storage";
import type { BatchRecord } from "./batch-records";
import type { PartMessage, PartOutcome } from "./part-message";
import { batchesFor } from "./batches-for";
import { coalescingGpu, type EmbedOnGpu } from "./gpu-coalescer";
import type { InputLine } from "./input-lines";
import { failureLine, successLine } from "./result-lines";

/** Lines in flight at once: their GPU work is joined into shared bulk-lane calls (gpu-coalescer.ts). */
const LINE_CONCURRENCY = 64;

export interface BatchDeps {
  env: Env;
  /** The isolate's services (workers/services.ts): config, cache, bulk lane, tenancy. */
  services: Services;
  background(work: Promise<unknown>): void;
}

type LineResult =
  | { ok: true; line: string; result: EmbeddingsResult }
  | { ok: false; line: string };

/** Resolves when the part is done (or had nothing to do); throws to have the message retried. */
export async function runPart(
  message: PartMessage,
  deps: BatchDeps,
): Promise<void> {
  const batches = batchesFor(deps.env, message.tenant_id);
  const batch = await batches.beginPart(message.batch_id, message.part);
  if (!batch) return;
  const lines = await readInputPart(
    deps.env.INDEX_RESULTS,
    batch.tenant_id,
    batch.id,
    message.part,
  );
  if (!lines)
    throw new Error(
      `batch ${batch.id} part ${message.part}: input part missing`,
    );

  let tenant: Tenant | ApiError;
  try {
    tenant = await activeTenant(deps.services.tenancy().redis, batch.tenant_id);
  } catch (error) {
    if (!(error instanceof DocumentFailure)) throw error;
    tenant = tenantSuspended();
  }
  const embedOnGpu = coalescingGpu(deps.services.bulkGpu);
  const results: LineResult[] = new Array(lines.length);
  let next = 0;
  const worker = async () => {
    for (let i = next++; i < lines.length; i = next++)
      results[i] = await runLine(lines[i]!, tenant, batch, embedOnGpu, deps);
  };
  await Promise.all(
    Array.from({ length: Math.min(LINE_CONCURRENCY, lines.length) }, worker),
  );

  const done = results.filter(
    (r): r is Extract<LineResult, { ok: true }> => r.ok,
  );
  const failed = results.filter((r) => !r.ok);
  const [output, errors] = await Promise.all([
    writeLines(
      deps.env.INDEX_RESULTS,
      batch.tenant_id,
      batch.id,
      "output",
      message.part,
      done.map((r) => r.line),
    ),
    writeLines(
      deps.env.INDEX_RESULTS,
      batch.tenant_id,
      batch.id,
      "errors",
      message.part,
      failed.map((r) => r.line),
    ),
  ]);
  meterPart(
    batch,
    message.part,
    done.map((r) => r.result),
    deps,
  );
  await batches.recordPart(batch.id, message.part, {
    completed: done.length,
    failed: failed.length,
    output,
    errors,
  } satisfies PartOutcome);
}

/** Settles a part that exhausted its retries: every line fails with a 500, and the batch goes on. */
export async function failPart(message: PartMessage, env: Env): Promise<void> {
  const batches = batchesFor(env, message.tenant_id);
  const batch = await batches.beginPart(message.batch_id, message.part);
  if (!batch) return;
  const lines =
    (await readInputPart(
      env.INDEX_RESULTS,
      batch.tenant_id,
      batch.id,
      message.part,
    )) ?? [];
  const error = new ApiError(
    "internal",
    "This request could not be processed after every retry; submit it again.",
    { code: "batch_request_failed" },
  );
  const errors = await writeLines(
    env.INDEX_RESULTS,
    batch.tenant_id,
    batch.id,
    "errors",
    message.part,
    lines.map((l) =>
      failureLine(
        l.custom_id,
        lineRequestId(batch, l),
        error.status,
        error.body,
      ),
    ),
  );
  await batches.recordPart(batch.id, message.part, {
    completed: 0,
    failed: lines.length,
    output: null,
    errors,
  });
}

/** Fixed per line, so a rerun of the part writes the same request ids. */
const lineRequestId = (batch: BatchRecord, line: InputLine) =>
  `req_${batch.id.slice("batch_".length)}_${line.line}`;

async function runLine(
  input: InputLine,
  tenant: Tenant | ApiError,
  batch: BatchRecord,
  embedOnGpu: EmbedOnGpu,
  deps: BatchDeps,
): Promise<LineResult> {
  const requestId = lineRequestId(batch, input);
  try {
    if (tenant instanceof ApiError) throw tenant;
    const request = validateEmbeddingBody(input.body);
    const result = await embedLine(
      request,
      tenant,
      batch,
      requestId,
      embedOnGpu,
      deps,
    );
    const body = await renderEmbeddingsBody(
      result.vectors,
      request.encoding_format ?? "float",
      result.promptTokens,
      request.output_dtype,
    );
    return {
      ok: true,
      line: successLine(input.custom_id, requestId, body),
      result,
    };
  } catch (error) {
    if (!(error instanceof ApiError) || error.status >= 500) throw error;
    return {
      ok: false,
      line: failureLine(input.custom_id, requestId, error.status, error.body),
    };
  }
}

function embedLine(
  request: ReturnType<typeof validateEmbeddingBody>,
  tenant: Tenant,
  batch: BatchRecord,
  requestId: string,
  embedOnGpu: EmbedOnGpu,
  deps: BatchDeps,
): Promise<EmbeddingsResult> {
  const { services } = deps;
  const { config } = services;
  const tenancy = services.tenancy();
  return createEmbeddings(request, {
    cache: requestVectorCache(services.cache, {
      tenantId: batch.tenant_id,
      cacheControl: undefined,
      background: deps.background,
      timed: (_metric, step) => step(),
      requestId,
    }),
    recordDtype: config.cache.recordDtype,
    contextLength: config.contextLength,
    singleFlight: services.singleFlight,
    embedOnGpu,
    admit: async ({ tokens }) => {
      try {
        await chargeJobTokens(tenancy.redis, config.tenancy, tenant, tokens);
      } catch (error) {
        if (!(error instanceof DocumentFailure)) throw error;
        throw new ApiError(
          "insufficient_quota",
          "You exceeded your monthly token quota.",
          { code: "insufficient_quota" },
        );
      }
    },
    timed: (_metric, step) => step(),
  });
}

/** One usage event per part, of the `batch` class, with a fixed id: a redelivered part is metered once. */
function meterPart(
  batch: BatchRecord,
  part: number,
  results: readonly EmbeddingsResult[],
  deps: BatchDeps,
): void {
  if (results.length === 0) return;
  const sum = (pick: (r: EmbeddingsResult) => number) =>
    results.reduce((total, r) => total + pick(r), 0);
  const tokensComputed = sum((r) => r.tokensComputed);
  const event = {
    ...newUsageEvent({
      tenantId: batch.tenant_id,
      inputs: sum((r) => r.vectors.length),
      tokensComputed,
      tokensCached: sum((r) => r.promptTokens) - tokensComputed,
      gpuMs: sum((r) => r.gpuMs),
      lane: "batch",
    }),
    event_id: `evt_${batch.id}_${part}`,
    requests: results.length,
  };
  deps.background(deps.services.tenancy().usage.record(event));
}
