/**
 * The batch queue's message (one part of one batch) and what a finished part leaves
 * behind, as run-part.ts writes it and the `Batches` Durable Object records it.
 */

/** One part of one batch: the consumer's unit of work and of redelivery. */
export interface PartMessage {
  kind: "batch.part";
  tenant_id: string;
  batch_id: string;
  part: number;
}

/** An R2 object holding some of a batch's result lines. */
export interface StoredLines {
  key: string;
  bytes: number;
}

/** How one part ended, recorded once (a redelivery finds it and skips): line counts and the objects holding its lines. */
export interface PartOutcome {
  completed: number;
  failed: number;
  output: StoredLines | null;
  errors: StoredLines | null;
}
