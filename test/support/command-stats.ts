/**
 * Commands counted at redis-server itself (MONITOR), the figure Upstash bills: a
 * pipeline of N commands counts N, an EVALSHA counts 1 whatever its script does inside
 * (https://upstash.com/docs/redis/overall/pricing). `INFO commandstats` would count the
 * script's inner calls too, so the counter watches MONITOR and leaves out what a
 * script ran (source `lua`). Used by tests that bound a code path's commands and by
 * `BENCH=commands`.
 */
import { Redis as IORedis } from "ioredis";

/** Calls per command name, lower case (`evalsha`, `mget`, `set`). */
export type CommandCounts = Record<string, number>;

export interface CommandCounter {
  /** Commands clients sent since the counter started (or was last reset), once every command sent before this call is seen. */
  counts(): Promise<CommandCounts>;
  /** Forgets what was counted so far (after every command sent before this call is seen). */
  reset(): Promise<void>;
  stop(): Promise<void>;
}

/** Total of a CommandCounts. */
export const totalCommands = (counts: CommandCounts) =>
  Object.values(counts).reduce((sum, calls) => sum + calls, 0);

/**
 * `classify` names what a command counts as (default: its name, lower case), e.g. to
 * tell a usage EVALSHA from a cache one by the keys it names.
 */
export async function startCommandCounter(
  redisUrl: string,
  classify: (args: string[]) => string = (args) => args[0]!.toLowerCase(),
): Promise<CommandCounter> {
  const control = new IORedis(redisUrl, { maxRetriesPerRequest: 1 });
  // monitor() opens its own connection in MONITOR mode.
  const monitor = await control.monitor();
  let counts: CommandCounts = {};
  const markers = new Map<string, () => void>();
  let sequence = 0;
  monitor.on("monitor", (_time: string, args: string[], source: string) => {
    const name = args[0]?.toLowerCase();
    if (name === undefined || source === "lua") return;
    // Our own barrier: a marker ECHOed on the control connection.
    if (name === "echo" && markers.has(args[1] ?? "")) {
      markers.get(args[1]!)!();
      markers.delete(args[1]!);
      return;
    }
    const kind = classify(args);
    counts[kind] = (counts[kind] ?? 0) + 1;
  });
  // MONITOR lines arrive after the commands ran; a marker sent now is seen after every
  // command the server ran before it, so waiting for it makes the counts complete.
  async function barrier(): Promise<void> {
    const marker = `command-counter-${process.pid}-${sequence++}`;
    const seen = new Promise<void>((resolve) => markers.set(marker, resolve));
    await control.echo(marker);
    await seen;
  }
  return {
    async counts() {
      await barrier();
      return { ...counts };
    },
    async reset() {
      await barrier();
      counts = {};
    },
    async stop() {
      monitor.disconnect();
      control.disconnect();
    },
  };
}
