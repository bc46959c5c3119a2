/**
 * Issue 11's figure: Upstash commands per request on the hot path, counted at
 * redis-server (MONITOR; a pipeline of N counts N, an EVALSHA counts 1, what a script
 * runs inside is not counted: test/support/command-stats.ts). One tenant sends to one
 * edge at a fixed rate (open loop: requests leave on schedule, whatever the answers'
 * latency) for BENCH_SECONDS (default 10): L1 hits (one text, warm) and misses (a new
 * text each request) separately, at 100 and at 10 requests/s, with limits on and off.
 * Commands are broken down by what they serve: usage, key lookups, cache reads and
 * write-backs, and the limiters (everything else).
 */
import {
  startCommandCounter,
  totalCommands,
  type CommandCounts,
} from "../support/command-stats";
import type { BenchStack } from "./bench-stack";
import { embedRequest } from "./cache-bench";
import { sentences } from "./texts";

const SECONDS = Number(process.env.BENCH_SECONDS ?? 10);
const TARGET_PER_REQUEST = { hit: 0.05, miss: 1.1 };

/** What a command is for, from its name and the keys it names. */
function purpose(args: string[]): string {
  const name = args[0]!.toLowerCase();
  const names = (prefix: string) => args.some((a) => a.startsWith(prefix));
  if (names("usage:")) return "usage";
  if (names("tenancy:")) return "keys";
  if (names("emb:")) return name === "mget" ? "cache-read" : "cache-write";
  return "limits";
}

/**
 * Sends `perSecond` requests per second for SECONDS, each on schedule; answers the
 * achieved rate and how many did not answer 2xx (an overloaded machine shows here; the
 * commands of a failed request still count).
 */
async function openLoop(
  perSecond: number,
  send: (i: number) => Promise<Response>,
): Promise<{ sent: number; perSecond: number; failed: number }> {
  let failed = 0;
  const total = Math.round(perSecond * SECONDS);
  const started = performance.now();
  const inflight: Promise<void>[] = [];
  for (let i = 0; i < total; i++) {
    const due = started + (i * 1000) / perSecond;
    const wait = due - performance.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    inflight.push(
      send(i).then(async (res) => {
        await res.arrayBuffer();
        if (!res.ok) failed++;
      }),
    );
  }
  await Promise.all(inflight);
  return {
    sent: total,
    perSecond: total / ((performance.now() - started) / 1000),
    failed,
  };
}

export async function runCommandsBench(stack: BenchStack): Promise<void> {
  const counter = await startCommandCounter(stack.upstash.redisUrl, purpose);
  const rows: string[][] = [];
  let seed = 9_100_000;
  try {
    for (const [edgeName, url] of [
      ["limits on", stack.edgeUrl],
      ["limits off", stack.edgeNoLimitsUrl],
    ] as const) {
      const hot = sentences(1, seed++);
      const warm = await embedRequest(url, stack.apiKey, hot);
      await warm.arrayBuffer();
      for (const perSecond of [200, 100, 10]) {
        for (const kind of ["hit", "miss"] as const) {
          const texts =
            kind === "miss"
              ? sentences(Math.round(perSecond * SECONDS), seed++)
              : [];
          await new Promise((r) => setTimeout(r, 600)); // the last case's flushes land first
          await counter.reset();
          const load = await openLoop(perSecond, (i) =>
            embedRequest(url, stack.apiKey, kind === "hit" ? hot : [texts[i]!]),
          );
          await new Promise((r) => setTimeout(r, 600)); // this case's last flushes and refreshes
          const counts: CommandCounts = await counter.counts();
          const perRequest = totalCommands(counts) / load.sent;
          const part = (name: string) =>
            ((counts[name] ?? 0) / load.sent).toFixed(3);
          rows.push([
            `${kind === "hit" ? "L1 hit" : "miss"}, ${edgeName}`,
            `${perSecond}`,
            load.perSecond.toFixed(1),
            String(load.sent),
            String(load.failed),
            perRequest.toFixed(3),
            part("keys"),
            part("usage"),
            part("cache-read"),
            part("cache-write"),
            part("limits"),
            // The goals are stated for steady load (>= 100 req/s); 10 req/s is reported beside them.
            perSecond < 100
              ? "-"
              : perRequest <= TARGET_PER_REQUEST[kind]
                ? "MET"
                : "not met",
          ]);
        }
      }
    }
  } finally {
    await counter.stop();
  }
  const header = [
    "case",
    "target req/s",
    "sent req/s",
    "n",
    "non-2xx",
    "cmds/req",
    "keys",
    "usage",
    "cache read",
    "cache write",
    "limits",
    `goal (hit <= ${TARGET_PER_REQUEST.hit}, miss <= ${TARGET_PER_REQUEST.miss})`,
  ];
  const widths = header.map((h, i) =>
    Math.max(h.length, ...rows.map((r) => r[i]!.length)),
  );
  const line = (cells: string[]) =>
    cells
      .map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!)))
      .join("  ");
  console.log(
    `\n## Upstash commands per request (one tenant, one edge, open loop, ${SECONDS} s per case; counted at redis-server)\n`,
  );
  console.log([line(header), ...rows.map(line)].join("\n"));
}
