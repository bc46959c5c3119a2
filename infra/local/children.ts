/**
 * Child processes of the local stack: started in their own process group so that
 * stopping one also stops what it started (wrangler runs workerd underneath), output
 * prefixed with the child's name, and a readiness wait on an HTTP URL.
 */
import { spawn, type ChildProcess } from "node:child_process";

export interface Child {
  name: string;
  process: ChildProcess;
  stop(): Promise<void>;
}

export function startChild(
  name: string,
  command: string,
  args: string[],
  env: NodeJS.ProcessEnv = {},
): Child {
  const child = spawn(command, args, {
    env: { ...process.env, ...env },
    stdio: ["ignore", "pipe", "pipe"],
    detached: true,
  });
  const prefix = (
    stream: NodeJS.ReadableStream | null,
    out: NodeJS.WriteStream,
  ) =>
    stream?.on("data", (chunk: Buffer) => {
      for (const line of chunk.toString().split("\n"))
        if (line.trim()) out.write(`[${name}] ${line}\n`);
    });
  prefix(child.stdout, process.stdout);
  prefix(child.stderr, process.stderr);
  const exited = new Promise<void>((resolve) =>
    child.once("exit", () => resolve()),
  );
  return {
    name,
    process: child,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      try {
        process.kill(-child.pid!, "SIGTERM");
      } catch {
        return; // already gone
      }
      const timer = setTimeout(() => {
        try {
          process.kill(-child.pid!, "SIGKILL");
        } catch {
          /* gone */
        }
      }, 5000);
      await exited;
      clearTimeout(timer);
    },
  };
}

/**
 * Polls `url` until it answers a status `isUp` accepts (default: 2xx), the child exits,
 * or `timeoutMs` passes; a status `isFatal` names ends the wait at once (throws).
 */
export async function waitForHttp(
  url: string,
  child: Child | null,
  timeoutMs: number,
  isUp: (status: number) => boolean = (status) => status >= 200 && status < 300,
  isFatal: (status: number) => string | null = () => null,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (
      child &&
      (child.process.exitCode !== null || child.process.signalCode !== null)
    ) {
      throw new Error(`${child.name} exited before it was ready`);
    }
    try {
      const res = await fetch(url, { signal: AbortSignal.timeout(2000) });
      await res.arrayBuffer();
      if (isUp(res.status)) return;
      const fatal = isFatal(res.status);
      if (fatal !== null) throw new FatalAnswer(fatal);
    } catch (error) {
      if (error instanceof FatalAnswer) throw error;
      /* not up yet */
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`${url} was not ready within ${timeoutMs} ms`);
}

/** An answer that no amount of waiting will change (waitForHttp's `isFatal`). */
class FatalAnswer extends Error {}
