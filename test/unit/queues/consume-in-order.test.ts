/** The bulk queues' shared loop: order, drop, ack, and retry delays doubling from the first. */
import { afterEach, describe, expect, it, vi } from "vitest";
import {
  consumeInOrder,
  settleDeadLetters,
} from "../../../workers/queues/consume-in-order";

interface Fake {
  id: string;
  body: unknown;
  attempts: number;
  acked: boolean;
  retried: { delaySeconds?: number } | null;
  ack(): void;
  retry(options?: { delaySeconds?: number }): void;
}

function message(id: string, body: unknown, attempts: number): Fake {
  return {
    id,
    body,
    attempts,
    acked: false,
    retried: null,
    ack() {
      this.acked = true;
    },
    retry(options) {
      this.retried = options ?? {};
    },
  };
}

afterEach(() => vi.restoreAllMocks());

describe("consumeInOrder", () => {
  it("runs in order, drops what it cannot read, retries a throw 10 x 2^(attempts-1) s, at most 300", async () => {
    const warn = vi.spyOn(console, "warn").mockImplementation(() => {});
    const messages = [
      message("a", { n: 1 }, 1),
      message("b", "not ours", 1),
      message("c", { n: 2 }, 3),
      message("d", { n: 3 }, 9),
    ];
    const ran: number[] = [];
    const dropped: string[] = [];
    await consumeInOrder(
      { messages },
      {
        parse: (body) =>
          typeof body === "object" && body !== null
            ? (body as { n: number })
            : null,
        run: async ({ n }) => {
          ran.push(n);
          if (n > 1) throw new Error(`boom ${n}`);
        },
        retryLog: "test attempt failed; retrying",
        describe: ({ n }) => ({ n }),
        dropped: (m) => dropped.push(m.id),
      },
      10,
    );
    expect(ran).toEqual([1, 2, 3]);
    expect(dropped).toEqual(["b"]);
    expect(messages.map((m) => [m.id, m.acked, m.retried])).toEqual([
      ["a", true, null],
      ["b", true, null],
      ["c", false, { delaySeconds: 40 }],
      ["d", false, { delaySeconds: 300 }],
    ]);
    expect(warn.mock.calls.map((c) => JSON.parse(c[0] as string))).toEqual([
      {
        message: "test attempt failed; retrying",
        n: 2,
        attempts: 3,
        error: "Error: boom 2",
      },
      {
        message: "test attempt failed; retrying",
        n: 3,
        attempts: 9,
        error: "Error: boom 3",
      },
    ]);
  });
});

describe("settleDeadLetters", () => {
  it("settles what it reads, logs what it cannot, acks every message", async () => {
    const messages = [message("a", { n: 1 }, 4), message("b", 7, 4)];
    const settled: number[] = [];
    const dropped: string[] = [];
    await settleDeadLetters(
      { messages },
      {
        parse: (body) =>
          typeof body === "object" && body !== null
            ? (body as { n: number })
            : null,
        dropped: (m) => dropped.push(m.id),
      },
      async ({ n }) => settled.push(n),
    );
    expect([settled, dropped]).toEqual([[1], ["b"]]);
    expect(messages.map((m) => [m.acked, m.retried])).toEqual([
      [true, null],
      [true, null],
    ]);
  });
});
