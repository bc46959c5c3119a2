/**
 * Stand-ins and edges that live for one test: each one started through these helpers is
 * closed after the test that started it (vitest `afterEach`, registered by the call), so
 * a case gets a fresh isolate and breaker state never leaks between cases.
 */
import { afterEach } from "vitest";
import { startEdge, type TestEdge } from "./edge";
import { startStandin, type Standin } from "./standin";

/** Registers the cleanup in the calling test file; returns the two starters. */
export function perTestStack(): {
  standin(options?: Parameters<typeof startStandin>[0]): Promise<Standin>;
  edgeFor(urls: string[], vars?: Record<string, string>): Promise<TestEdge>;
} {
  const opened: (() => Promise<void>)[] = [];
  afterEach(async () => {
    await Promise.all(opened.splice(0).map((close) => close()));
  });
  return {
    async standin(options = {}) {
      const s = await startStandin(options);
      opened.push(() => s.close());
      return s;
    },
    async edgeFor(urls, vars = {}) {
      const e = await startEdge({ gpuUrls: urls, vars });
      opened.push(() => e.dispose());
      return e;
    },
  };
}
