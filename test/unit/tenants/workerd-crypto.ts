/**
 * workerd's `crypto.subtle.timingSafeEqual` for tests that run Worker code in Node,
 * backed by Node's own constant-time `crypto.timingSafeEqual` (same contract: equal
 * lengths required, no early exit). Import before the code under test.
 */
import { timingSafeEqual } from "node:crypto";

declare global {
  interface SubtleCrypto {
    timingSafeEqual(
      a: ArrayBuffer | ArrayBufferView,
      b: ArrayBuffer | ArrayBufferView,
    ): boolean;
  }
}

const view = (data: ArrayBuffer | ArrayBufferView) =>
  data instanceof ArrayBuffer
    ? new Uint8Array(data)
    : new Uint8Array(data.buffer, data.byteOffset, data.byteLength);

if (typeof crypto.subtle.timingSafeEqual !== "function") {
  // Writable and configurable, as a method is, so a test can spy on it.
  Object.defineProperty(crypto.subtle, "timingSafeEqual", {
    writable: true,
    configurable: true,
    value: (
      a: ArrayBuffer | ArrayBufferView,
      b: ArrayBuffer | ArrayBufferView,
    ) => {
      if (a.byteLength !== b.byteLength)
        throw new TypeError("Input buffers must have the same byte length");
      return timingSafeEqual(view(a), view(b));
    },
  });
}
