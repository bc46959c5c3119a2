import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import {
  OperationTimeout,
  withTimeout,
} from "../../../workers/timeout/with-timeout";

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

describe("withTimeout", () => {
  it("answers with the work's value and leaves no timer behind", async () => {
    const result = withTimeout("cache l3 get", 100, Promise.resolve(42));
    await expect(result).resolves.toBe(42);
    expect(vi.getTimerCount()).toBe(0);
  });

  it("passes the work's own rejection through", async () => {
    const failure = new TypeError("fetch failed");
    await expect(
      withTimeout("monthly quota", 100, Promise.reject(failure)),
    ).rejects.toBe(failure);
    expect(vi.getTimerCount()).toBe(0);
  });

  it("rejects with an OperationTimeout naming the operation and the budget when time runs out first", async () => {
    const never = new Promise<number>(() => undefined);
    const result = withTimeout("rate-limit lease", 250, never);
    const settled = result.then(
      () => "resolved",
      (error: unknown) => error,
    );
    await vi.advanceTimersByTimeAsync(249);
    expect(vi.getTimerCount()).toBe(1);
    await vi.advanceTimersByTimeAsync(1);
    const error = await settled;
    expect(error).toBeInstanceOf(OperationTimeout);
    expect(error).toMatchObject({
      name: "OperationTimeout",
      operation: "rate-limit lease",
      ms: 250,
    });
    expect((error as Error).message).toBe(
      "rate-limit lease: no answer within 250 ms",
    );
  });
});
