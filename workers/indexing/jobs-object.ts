/**
 * `IndexJobs`: one Durable Object per tenant holding that tenant's indexing jobs. A
 * Durable Object because a job's state must be strongly consistent under concurrent
 * writers (the API, several consumer invocations, redeliveries, the DLQ), which a
 * single-threaded object with transactional storage gives without locks; one per
 * tenant because that makes isolation structural (another tenant's job is not in this
 * object at all) and lets one ordered scan list a tenant's jobs.
 *
 * Methods are RPC calls; each does storage work only, so the runtime's input gates make
 * it atomic. Outbound work (sending document messages, delivering callbacks) happens in
 * `alarm()`: the intent is written in the same transaction as the state change that
 * causes it (a `due:` entry plus the alarm), so a crash can delay it but never lose it.
 *
 * Storage keys: `job:{id}` JobRecord; `idem:{key}` idempotency; `doc:{id}:{index}`
 * DocumentOutcome (present = that document is done, so redeliveries skip it);
 * `due:{dispatch|callback}:{id}` epoch ms when that work is due.
 */
import { DurableObject } from "cloudflare:workers";
import { servicesFor } from "../services";
import { deliverCallback } from "./callback-event";
import type { DocumentMessage, DocumentOutcome } from "./document-message";
import {
  TERMINAL_STATUSES,
  type JobError,
  type JobRecord,
} from "./job-records";

const QUEUE_BATCH = 100;
/** Back-off for a dispatch that could not reach the queue. */
const DISPATCH_RETRY_MS = 5_000;

export type CreateOutcome =
  | { status: "created" | "replayed"; job: JobRecord }
  | { status: "idempotency_conflict" };
export type CancelOutcome =
  | { status: "cancelled"; job: JobRecord }
  | { status: "not_found" }
  | { status: "conflict"; job: JobRecord };

interface IdempotencyRecord {
  job_id: string;
  body_sha256: string;
}

const jobKey = (id: string) => `job:${id}`;
const docKey = (id: string, index: number) =>
  `doc:${id}:${String(index).padStart(6, "0")}`;
const isTerminal = (job: JobRecord) => TERMINAL_STATUSES.includes(job.status);

export class IndexJobs extends DurableObject<Env> {
  private get storage(): DurableObjectStorage {
    return this.ctx.storage;
  }

  /** The job an idempotency key already names (same body), a conflict (other body), or null. */
  async findReplay(
    idempotencyKey: string,
    bodySha256: string,
  ): Promise<Exclude<CreateOutcome, { status: "created" }> | null> {
    const existing = await this.storage.get<IdempotencyRecord>(
      `idem:${idempotencyKey}`,
    );
    if (!existing) return null;
    if (existing.body_sha256 !== bodySha256)
      return { status: "idempotency_conflict" };
    const earlier = await this.get(existing.job_id);
    return earlier ? { status: "replayed", job: earlier } : null;
  }

  /** Stores a new job, unless `idempotencyKey` already names one (then that job is the answer). */
  async create(
    job: JobRecord,
    idempotencyKey: string | null,
    bodySha256: string,
  ): Promise<CreateOutcome> {
    if (idempotencyKey !== null) {
      const replay = await this.findReplay(idempotencyKey, bodySha256);
      if (replay) return replay;
      await this.storage.put(`idem:${idempotencyKey}`, {
        job_id: job.id,
        body_sha256: bodySha256,
      } satisfies IdempotencyRecord);
    }
    await this.storage.put(jobKey(job.id), job);
    await this.schedule("dispatch", job.id, Date.now());
    return { status: "created", job };
  }

  async get(jobId: string): Promise<JobRecord | null> {
    return (await this.storage.get<JobRecord>(jobKey(jobId))) ?? null;
  }

  /** Newest first; `after` is the last id of the previous page. */
  async list(
    limit: number,
    after: string | null,
  ): Promise<{ jobs: JobRecord[]; hasMore: boolean }> {
    const page = await this.storage.list<JobRecord>({
      prefix: "job:",
      reverse: true,
      limit: limit + 1,
      ...(after !== null ? { end: jobKey(after) } : {}),
    });
    const jobs = [...page.values()];
    return { jobs: jobs.slice(0, limit), hasMore: jobs.length > limit };
  }

  async cancel(jobId: string): Promise<CancelOutcome> {
    const job = await this.get(jobId);
    if (!job) return { status: "not_found" };
    if (job.status === "cancelled") return { status: "cancelled", job };
    if (isTerminal(job)) return { status: "conflict", job };
    const cancelled: JobRecord = {
      ...job,
      status: "cancelled",
      cancelled_at: Date.now(),
    };
    await this.storage.put(jobKey(jobId), cancelled);
    return { status: "cancelled", job: cancelled };
  }

  /** Whether the consumer should process this document: not if the job ended or the document is done. */
  async beginDocument(jobId: string, index: number): Promise<JobRecord | null> {
    const job = await this.get(jobId);
    if (!job || isTerminal(job) || index >= job.counts.documents) return null;
    if ((await this.storage.get(docKey(jobId, index))) !== undefined)
      return null;
    if (job.status === "queued") {
      const started: JobRecord = {
        ...job,
        status: "in_progress",
        started_at: Date.now(),
      };
      await this.storage.put(jobKey(jobId), started);
      return started;
    }
    return job;
  }

  /** Records a document's outcome exactly once; the last one completes the job. */
  async recordDocument(
    jobId: string,
    index: number,
    outcome: DocumentOutcome,
  ): Promise<JobRecord | null> {
    const job = await this.get(jobId);
    if (
      !job ||
      isTerminal(job) ||
      (await this.storage.get(docKey(jobId, index))) !== undefined
    )
      return job;
    const counts = {
      ...job.counts,
      documents_processed: job.counts.documents_processed + 1,
      chunks: job.counts.chunks + outcome.chunks,
      chunks_from_cache:
        job.counts.chunks_from_cache + outcome.chunks_from_cache,
      chunks_computed: job.counts.chunks_computed + outcome.chunks_computed,
      failed: job.counts.failed + (outcome.error ? 1 : 0),
    };
    let next: JobRecord = {
      ...job,
      counts,
      last_error: outcome.error ?? job.last_error,
    };
    if (counts.documents_processed === counts.documents) {
      const now = Date.now();
      next =
        counts.failed === counts.documents
          ? { ...next, status: "failed", failed_at: now }
          : {
              ...next,
              status: "completed",
              completed_at: now,
              last_error: counts.failed > 0 ? next.last_error : null,
            };
    }
    await this.storage.put(docKey(jobId, index), outcome);
    await this.storage.put(jobKey(jobId), next);
    if (isTerminal(next)) await this.scheduleCallback(next);
    return next;
  }

  /** A failed attempt (the message will be retried): visible on the job while it runs. */
  async noteAttemptError(jobId: string, error: JobError): Promise<void> {
    const job = await this.get(jobId);
    if (job && !isTerminal(job))
      await this.storage.put(jobKey(jobId), { ...job, last_error: error });
  }

  /** The dead-letter path: a document kept failing, so the job fails with its reason. */
  async failJob(jobId: string, error: JobError): Promise<JobRecord | null> {
    const job = await this.get(jobId);
    if (!job || isTerminal(job)) return job;
    const lastAttempt = job.last_error?.message;
    const reason = lastAttempt
      ? { ...error, message: `${error.message} Last error: ${lastAttempt}` }
      : error;
    const failed: JobRecord = {
      ...job,
      status: "failed",
      failed_at: Date.now(),
      last_error: reason,
    };
    await this.storage.put(jobKey(jobId), failed);
    await this.scheduleCallback(failed);
    return failed;
  }

  override async alarm(): Promise<void> {
    const due = await this.storage.list<number>({ prefix: "due:" });
    const now = Date.now();
    await Promise.all(
      [...due]
        .filter(([, at]) => at <= now)
        .map(([key]) => {
          const [, kind, jobId] = key.split(":") as [string, string, string];
          return kind === "dispatch"
            ? this.dispatch(jobId)
            : this.callback(jobId);
        }),
    );
    await this.rearm();
  }

  private async schedule(
    kind: "dispatch" | "callback",
    jobId: string,
    at: number,
  ): Promise<void> {
    await this.storage.put(`due:${kind}:${jobId}`, at);
    const current = await this.storage.getAlarm();
    if (current === null || current > at) await this.storage.setAlarm(at);
  }

  private async scheduleCallback(job: JobRecord): Promise<void> {
    if (job.callback) await this.schedule("callback", job.id, Date.now());
  }

  private async rearm(): Promise<void> {
    const due = [
      ...(await this.storage.list<number>({ prefix: "due:" })).values(),
    ];
    if (due.length > 0) await this.storage.setAlarm(Math.min(...due));
  }

  /** Puts the job's document messages on the index queue (a repeat after a crash is harmless: see beginDocument). */
  private async dispatch(jobId: string): Promise<void> {
    const job = await this.get(jobId);
    if (!job || job.dispatched || isTerminal(job))
      return void (await this.storage.delete(`due:dispatch:${jobId}`));
    try {
      const messages = Array.from(
        { length: job.counts.documents },
        (_, index) => ({
          body: {
            kind: "index.document",
            tenant_id: job.tenant_id,
            job_id: job.id,
            index,
          } satisfies DocumentMessage,
        }),
      );
      for (let i = 0; i < messages.length; i += QUEUE_BATCH)
        await this.env.INDEX_QUEUE.sendBatch(
          messages.slice(i, i + QUEUE_BATCH),
        );
    } catch (error) {
      console.error(
        JSON.stringify({
          message: "index job dispatch failed; retrying",
          job_id: jobId,
          error: String(error),
        }),
      );
      return void (await this.storage.put(
        `due:dispatch:${jobId}`,
        Date.now() + DISPATCH_RETRY_MS,
      ));
    }
    const latest = await this.get(jobId);
    if (latest)
      await this.storage.put(jobKey(jobId), { ...latest, dispatched: true });
    await this.storage.delete(`due:dispatch:${jobId}`);
  }

  /** One callback attempt, then the next one scheduled by INDEX_CALLBACK_RETRY_SCHEDULE, or the give-up recorded. */
  private async callback(jobId: string): Promise<void> {
    const job = await this.get(jobId);
    if (
      !job?.callback ||
      job.callback.status === "delivered" ||
      job.callback.status === "failed"
    ) {
      return void (await this.storage.delete(`due:callback:${jobId}`));
    }
    // The isolate's services, as the Worker's requests and consumers get them.
    const services = servicesFor(this.env);
    const config = services.config;
    let outcome: { ok: true } | { ok: false; error: string };
    try {
      const secrets = await services
        .tenancy()
        .webhookSecrets.webhookSecrets(job.tenant_id);
      outcome = await deliverCallback(job, secrets, config.indexing);
    } catch (error) {
      outcome = {
        ok: false,
        error: error instanceof Error ? error.message : String(error),
      };
    }
    const latest = (await this.get(jobId)) ?? job;
    const attempts = (latest.callback?.attempts ?? 0) + 1;
    const now = Date.now();
    const delay = config.indexing.callbackRetryDelaysMs[attempts - 1];
    const status = outcome.ok
      ? "delivered"
      : delay === undefined
        ? "failed"
        : "pending";
    const nextAt = status === "pending" ? now + delay! : null;
    await this.storage.put(jobKey(jobId), {
      ...latest,
      callback: {
        ...job.callback,
        status,
        attempts,
        last_error: outcome.ok ? null : outcome.error,
      },
    });
    if (nextAt === null) await this.storage.delete(`due:callback:${jobId}`);
    else await this.storage.put(`due:callback:${jobId}`, nextAt);
  }
}
