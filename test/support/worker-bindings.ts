/**
 * The Worker's queue, Durable Object and R2 bindings as Miniflare options, mirroring
 * wrangler.toml, for the tests and the benchmark. Index and batch retries are fewer than in
 * production (2, not 5) so a dead-letter test finishes in seconds.
 */
export const WORKER_BINDINGS = {
  queueProducers: {
    USAGE_QUEUE: { queueName: "qwen3-usage" },
    INDEX_QUEUE: { queueName: "qwen3-index" },
    BATCH_QUEUE: { queueName: "qwen3-batch" },
  },
  queueConsumers: {
    "qwen3-usage": {
      maxBatchSize: 10,
      maxBatchTimeout: 1,
      maxRetries: 10,
      deadLetterQueue: "qwen3-usage-dlq",
    },
    "qwen3-index": {
      maxBatchSize: 10,
      maxBatchTimeout: 1,
      maxRetries: 2,
      deadLetterQueue: "qwen3-index-dlq",
    },
    "qwen3-index-dlq": { maxBatchSize: 10, maxBatchTimeout: 1, maxRetries: 3 },
    "qwen3-batch": {
      maxBatchSize: 10,
      maxBatchTimeout: 1,
      maxRetries: 2,
      deadLetterQueue: "qwen3-batch-dlq",
    },
    "qwen3-batch-dlq": { maxBatchSize: 10, maxBatchTimeout: 1, maxRetries: 3 },
  },
  durableObjects: {
    INDEX_JOBS: { className: "IndexJobs", useSQLite: true },
    BATCHES: { className: "Batches", useSQLite: true },
  },
  r2Buckets: ["INDEX_RESULTS"],
};
