/**
 * `Batches`: one Durable Object per tenant holding that tenant's Batch API files and
 * batches, for the same reasons as `IndexJobs` (indexing/jobs-object.ts): state changed
 * by the API, several consumer invocations, redeliveries and the DLQ stays consistent
 * without locks, and another tenant's files are not in this object at all.
 *
 * Lifecycle (OpenAI's): `validating` → `in_progress` → `finalizing` → `completed`; or
 * `failed` (the input file broke the format), `expired` (past `expires_at`), and
 * `cancelling` → `cancelled`. Outbound work happens in `alarm()` from `due:` entries
 * written in the same transaction as the change that causes them, so a crash delays it
 * but never loses it: `validate` (read and check the input file, write its parts to R2),
 * `dispatch` (send one message per part), `finalize` (make the output and error files),
 * `expire` (at `expires_at`).
 *
 * Storage keys: `file:{id}` FileRecord; `batch:{id}` BatchRecord; `part:{id}:{part}`
 * PartOutcome (present = done, so redeliveries skip it); `running:{id}:{part}` a part a
 * consumer began and has not recorded; `due:{kind}:{id}` epoch ms when that work is due.
 */
import { DurableObject } from "cloudflare:workers";
import { servicesFor } from "../services";
import { newFileId } from "./batch-ids";
import {
  readInputPart,
  readUploadStream,
  writeInputPart,
  writeLines,
} from "./batch-storage";
import {
  TERMINAL_BATCH_STATUSES,
  type BatchRecord,
  type FileRecord,
} from "./batch-records";
import type { PartMessage, PartOutcome, StoredLines } from "./part-message";
import { checkInputFile } from "./input-lines";
import { expiredLine } from "./result-lines";

const QUEUE_BATCH = 100;
const DISPATCH_RETRY_MS = 5_000;
/** A cancelled batch waits at most this long for parts already running before it settles. */
const CANCEL_GRACE_MS = 60_000;

type DueKind = "validate" | "dispatch" | "finalize" | "expire";

export type CancelOutcome =
  | { status: "ok"; batch: BatchRecord }
  | { status: "not_found" }
  | { status: "conflict"; batch: BatchRecord };

const fileKey = (id: string) => `file:${id}`;
const batchKey = (id: string) => `batch:${id}`;
const pad = (part: number) => String(part).padStart(6, "0");
const partKey = (id: string, part: number) => `part:${id}:${pad(part)}`;
const runningKey = (id: string, part: number) => `running:${id}:${pad(part)}`;
const isTerminal = (batch: BatchRecord) =>
  TERMINAL_BATCH_STATUSES.includes(batch.status);

export class Batches extends DurableObject<Env> {
  private get storage(): DurableObjectStorage {
    return this.ctx.storage;
  }

  /** Stores a file's record (its bytes are already in R2). */
  async putFile(file: FileRecord): Promise<void> {
    await this.storage.put(fileKey(file.id), file);
  }

  /** The file, or null (never another tenant's: this object is the caller's). */
  async getFile(id: string): Promise<FileRecord | null> {
    return (await this.storage.get<FileRecord>(fileKey(id))) ?? null;
  }

  /** Removes the record and answers it (its bytes are the caller's to delete), or null. */
  async deleteFile(id: string): Promise<FileRecord | null> {
    const file = await this.getFile(id);
    if (file) await this.storage.delete(fileKey(id));
    return file;
  }

  /** Newest first; `after` is the last id of the previous page. */
  async listFiles(
    limit: number,
    after: string | null,
    purpose: string | null,
  ): Promise<{ items: FileRecord[]; hasMore: boolean }> {
    const all = await this.page<FileRecord>(
      "file:",
      after === null ? null : fileKey(after),
      limit,
    );
    // Filtered after the page is read: a purpose-filtered page may hold fewer than `limit` files.
    const items =
      purpose === null ? all : all.filter((f) => f.purpose === purpose);
    return { items: items.slice(0, limit), hasMore: items.length > limit };
  }

  /** Stores a new `validating` batch; validation and expiry are scheduled on the alarm. */
  async createBatch(batch: BatchRecord): Promise<BatchRecord> {
    await this.storage.put(batchKey(batch.id), batch);
    await this.schedule("validate", batch.id, Date.now());
    await this.schedule("expire", batch.id, batch.expires_at);
    return batch;
  }

  /** The batch, or null. */
  async getBatch(id: string): Promise<BatchRecord | null> {
    return (await this.storage.get<BatchRecord>(batchKey(id))) ?? null;
  }

  /** Newest first; `after` is the last id of the previous page. */
  async listBatches(
    limit: number,
    after: string | null,
  ): Promise<{ items: BatchRecord[]; hasMore: boolean }> {
    const items = await this.page<BatchRecord>(
      "batch:",
      after === null ? null : batchKey(after),
      limit,
    );
    return { items: items.slice(0, limit), hasMore: items.length > limit };
  }

  /** `cancelling` now; `cancelled` once no part is running (or after a grace period). */
  async cancel(id: string): Promise<CancelOutcome> {
    const batch = await this.getBatch(id);
    if (!batch) return { status: "not_found" };
    if (batch.status === "cancelling" || batch.status === "cancelled")
      return { status: "ok", batch };
    if (isTerminal(batch) || batch.status === "finalizing")
      return { status: "conflict", batch };
    const cancelling: BatchRecord = {
      ...batch,
      status: "cancelling",
      cancelling_at: Date.now(),
    };
    await this.storage.put(batchKey(id), cancelling);
    const running = await this.storage.list({
      prefix: `running:${id}:`,
      limit: 1,
    });
    await this.schedule(
      "finalize",
      id,
      running.size === 0 ? Date.now() : Date.now() + CANCEL_GRACE_MS,
    );
    return { status: "ok", batch: cancelling };
  }

  /** Whether a consumer should run this part: not once the batch stopped or the part is done. */
  async beginPart(id: string, part: number): Promise<BatchRecord | null> {
    const batch = await this.getBatch(id);
    if (!batch || batch.status !== "in_progress" || part >= batch.parts)
      return null;
    if ((await this.storage.get(partKey(id, part))) !== undefined) return null;
    await this.storage.put(runningKey(id, part), Date.now());
    return batch;
  }

  /** Records a part's outcome exactly once; the last part (or the last one running after a cancel) settles the batch. */
  async recordPart(
    id: string,
    part: number,
    outcome: PartOutcome,
  ): Promise<void> {
    await this.storage.delete(runningKey(id, part));
    const batch = await this.getBatch(id);
    if (
      !batch ||
      (batch.status !== "in_progress" && batch.status !== "cancelling")
    )
      return;
    if ((await this.storage.get(partKey(id, part))) !== undefined) return;
    await this.storage.put(partKey(id, part), outcome);
    const counts = {
      ...batch.request_counts,
      completed: batch.request_counts.completed + outcome.completed,
      failed: batch.request_counts.failed + outcome.failed,
    };
    const done = counts.completed + counts.failed === counts.total;
    const next: BatchRecord =
      batch.status === "in_progress" && done
        ? {
            ...batch,
            request_counts: counts,
            status: "finalizing",
            finalizing_at: Date.now(),
          }
        : { ...batch, request_counts: counts };
    await this.storage.put(batchKey(id), next);
    const stillRunning =
      (await this.storage.list({ prefix: `running:${id}:`, limit: 1 })).size >
      0;
    if (
      next.status === "finalizing" ||
      (next.status === "cancelling" && !stillRunning)
    )
      await this.schedule("finalize", id, Date.now());
  }

  override async alarm(): Promise<void> {
    const due = await this.storage.list<number>({ prefix: "due:" });
    const now = Date.now();
    for (const [key, at] of due) {
      if (at > now) continue;
      const [, kind, id] = key.split(":") as [string, DueKind, string];
      try {
        await this.run(kind, id);
        // Done, unless the work was scheduled again meanwhile (another request ran while this one awaited R2 or the queue).
        if ((await this.storage.get<number>(key)) === at)
          await this.storage.delete(key);
      } catch (error) {
        // Left due, retried shortly: R2 or the queue may be briefly unreachable.
        console.error(
          JSON.stringify({
            message: `batch ${kind} failed; retrying`,
            batch_id: id,
            error: String(error),
          }),
        );
        await this.storage.put(key, Date.now() + DISPATCH_RETRY_MS);
      }
    }
    const pending = [
      ...(await this.storage.list<number>({ prefix: "due:" })).values(),
    ];
    if (pending.length > 0) await this.storage.setAlarm(Math.min(...pending));
  }

  private async run(kind: DueKind, id: string): Promise<void> {
    const batch = await this.getBatch(id);
    if (batch) {
      if (kind === "validate") await this.validate(batch);
      else if (kind === "dispatch") await this.dispatch(batch);
      else if (kind === "finalize") await this.finalize(batch);
      else await this.expire(batch);
    }
  }

  private async schedule(kind: DueKind, id: string, at: number): Promise<void> {
    await this.storage.put(`due:${kind}:${id}`, at);
    const current = await this.storage.getAlarm();
    if (current === null || current > at) await this.storage.setAlarm(at);
  }

  /** Up to `limit + 1` records under `prefix`, newest first, before `end` (the extra one tells `has_more`). */
  private async page<T>(
    prefix: string,
    end: string | null,
    limit: number,
  ): Promise<T[]> {
    const list = await this.storage.list<T>({
      prefix,
      reverse: true,
      limit: limit + 1,
      ...(end !== null ? { end } : {}),
    });
    return [...list.values()];
  }

  /** Checks the input file; writes its parts to R2 and moves to `in_progress`, or fails the batch. */
  private async validate(batch: BatchRecord): Promise<void> {
    if (batch.status !== "validating") return;
    const config = servicesFor(this.env).config.batch;
    const file = await this.getFile(batch.input_file_id);
    const body = file
      ? await readUploadStream(this.env.INDEX_RESULTS, batch.tenant_id, file.id)
      : null;
    const check = body
      ? await checkInputFile(
          body,
          {
            endpoint: batch.endpoint,
            maxRequests: config.maxRequests,
            partSize: config.linesPerMessage,
          },
          (part, lines) =>
            writeInputPart(
              this.env.INDEX_RESULTS,
              batch.tenant_id,
              batch.id,
              part,
              lines,
            ),
        )
      : {
          ok: false as const,
          errors: [
            {
              code: "file_not_found",
              message: `The input file ${batch.input_file_id} no longer exists.`,
              param: "input_file_id",
              line: null,
            },
          ],
        };
    if (!check.ok) {
      const latest = (await this.getBatch(batch.id))!;
      if (latest.status === "validating")
        await this.storage.put(batchKey(batch.id), {
          ...latest,
          status: "failed",
          failed_at: Date.now(),
          errors: check.errors,
        });
      return;
    }
    const latest = (await this.getBatch(batch.id))!;
    if (latest.status !== "validating") return; // cancelled (or expired) meanwhile
    await this.storage.put(batchKey(batch.id), {
      ...latest,
      status: "in_progress",
      in_progress_at: Date.now(),
      parts: check.parts,
      request_counts: { total: check.requests, completed: 0, failed: 0 },
    });
    await this.schedule("dispatch", batch.id, Date.now());
  }

  /** Puts the batch's part messages on the batch queue (a repeat after a crash is harmless: see beginPart). */
  private async dispatch(batch: BatchRecord): Promise<void> {
    if (batch.dispatched || batch.status !== "in_progress") return;
    const messages = Array.from({ length: batch.parts }, (_, part) => ({
      body: {
        kind: "batch.part",
        tenant_id: batch.tenant_id,
        batch_id: batch.id,
        part,
      } satisfies PartMessage,
    }));
    for (let i = 0; i < messages.length; i += QUEUE_BATCH)
      await this.env.BATCH_QUEUE.sendBatch(messages.slice(i, i + QUEUE_BATCH));
    const latest = (await this.getBatch(batch.id))!;
    await this.storage.put(batchKey(batch.id), { ...latest, dispatched: true });
  }

  /** Past `expires_at`: unfinished lines get `batch_expired` error lines, finished ones stay in the output. */
  private async expire(batch: BatchRecord): Promise<void> {
    if (isTerminal(batch) || batch.status === "finalizing") return;
    let expired = 0;
    for (let part = 0; part < batch.parts; part++) {
      if ((await this.storage.get(partKey(batch.id, part))) !== undefined)
        continue;
      const lines =
        (await readInputPart(
          this.env.INDEX_RESULTS,
          batch.tenant_id,
          batch.id,
          part,
        )) ?? [];
      const stored = await writeLines(
        this.env.INDEX_RESULTS,
        batch.tenant_id,
        batch.id,
        "expired",
        part,
        lines.map((l) => expiredLine(l.custom_id)),
      );
      await this.storage.put(partKey(batch.id, part), {
        completed: 0,
        failed: lines.length,
        output: null,
        errors: stored,
      } satisfies PartOutcome);
      expired += lines.length;
    }
    const latest = (await this.getBatch(batch.id))!;
    const counts = {
      ...latest.request_counts,
      failed: latest.request_counts.failed + expired,
    };
    await this.settle({
      ...latest,
      request_counts: counts,
      status: "expired",
      expired_at: Date.now(),
    });
  }

  /** After the last part (`finalizing`) or a cancel: make the output and error files, and end the batch. */
  private async finalize(batch: BatchRecord): Promise<void> {
    if (batch.status === "finalizing")
      await this.settle({
        ...batch,
        status: "completed",
        completed_at: Date.now(),
      });
    else if (batch.status === "cancelling")
      await this.settle({
        ...batch,
        status: "cancelled",
        cancelled_at: Date.now(),
      });
  }

  /** Writes the final record with its output and error files, made of the recorded parts' objects. */
  private async settle(batch: BatchRecord): Promise<void> {
    const outcomes = [
      ...(
        await this.storage.list<PartOutcome>({ prefix: `part:${batch.id}:` })
      ).values(),
    ];
    const fileOf = async (
      stored: (StoredLines | null)[],
      name: string,
    ): Promise<string | null> => {
      const present = stored.filter((s): s is StoredLines => s !== null);
      if (present.length === 0) return null;
      const file: FileRecord = {
        id: newFileId(),
        tenant_id: batch.tenant_id,
        purpose: "batch_output",
        filename: `${batch.id}_${name}.jsonl`,
        bytes: present.reduce((sum, s) => sum + s.bytes, 0),
        created_at: Date.now(),
        source: { kind: "parts", keys: present.map((s) => s.key) },
      };
      await this.putFile(file);
      return file.id;
    };
    const output_file_id = await fileOf(
      outcomes.map((o) => o.output),
      "output",
    );
    const error_file_id = await fileOf(
      outcomes.map((o) => o.errors),
      "error",
    );
    await this.storage.put(batchKey(batch.id), {
      ...batch,
      output_file_id,
      error_file_id,
    });
    await this.storage.delete([
      `due:expire:${batch.id}`,
      `due:finalize:${batch.id}`,
    ]);
  }
}
