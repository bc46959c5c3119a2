/**
 * The cache's stored value: one versioned binary record per input, the same bytes in
 * every tier (raw in the Cache API, base64 text in Redis).
 *
 * Layout, little-endian:
 *   byte 0     format version (1)
 *   byte 1     dtype (1 = float16, 2 = float32)
 *   bytes 2-3  dims (uint16)
 *   bytes 4-7  token count (uint32): a hit is billed without tokenizing again
 *   bytes 8-   dims x 2 (float16) or dims x 4 (float32) bytes of vector
 * So a full 2560-d vector is 8 + 5120 = 5128 bytes as float16 (the default) and
 * 8 + 10240 = 10248 bytes as float32 (see `recordBytes`).
 *
 * The version byte lets a later layout coexist with records already in Redis (30-day
 * TTL). Decoding re-validates the vector: a record that is truncated, of an unknown
 * version or dtype, or whose vector is not finite and unit-norm reads as a miss, never as
 * an embedding served to a tenant. `roundTripThroughRecord` gives the miss path the exact
 * values a later hit will decode, so hits and misses are bit-identical.
 */
import { base64ToBytes, bytesToBase64 } from "../codec/float32-base64";
import { isUnitVector } from "../vectors/unit-vector";
import {
  float16BitsToFloat32Bits,
  float32BitsToFloat16Bits,
  roundToFloat16,
} from "./float16";

export type CacheDtype = "float16" | "float32";

/** What a record holds: the full vector and the exact token count the model saw. */
export interface CacheRecord {
  vector: Float32Array;
  tokens: number;
  /**
   * `vector` as served at full dimensions (`truncateAndRenormalize(vector, 2560)`),
   * computed once when L1 keeps the record, so a hit at the default `dimensions` does no
   * per-value arithmetic. Never stored in L2/L3; counted in `decodedRecordBytes`.
   */
  unit?: Float32Array;
}

export interface DecodedRecord extends CacheRecord {
  dtype: CacheDtype;
}

export const RECORD_FORMAT_VERSION = 1;
export const RECORD_HEADER_BYTES = 8;

const DTYPE_CODE = { float16: 1, float32: 2 } as const satisfies Record<
  CacheDtype,
  number
>;
const BYTES_PER_VALUE = { float16: 2, float32: 4 } as const satisfies Record<
  CacheDtype,
  number
>;
const MAX_DIMS = 0xffff;
const MAX_TOKENS = 0xffffffff;

/**
 * Estimated isolate memory of a decoded record beyond its vector's bytes: the
 * `{ vector, tokens }` object, the Float32Array and its ArrayBuffer (object headers,
 * backing-store bookkeeping). A rounded-up estimate for 64-bit V8, used to bound L1.
 */
export const DECODED_RECORD_OVERHEAD_BYTES = 160;

/** Stored size of one record: 5128 (float16) or 10248 (float32) bytes for 2560 dims. */
export function recordBytes(dims: number, dtype: CacheDtype): number {
  return RECORD_HEADER_BYTES + dims * BYTES_PER_VALUE[dtype];
}

/** Estimated memory a decoded record takes when held in L1 (float32 whatever the stored dtype). */
export function decodedRecordBytes(record: CacheRecord): number {
  return (
    record.vector.byteLength +
    (record.unit?.byteLength ?? 0) +
    DECODED_RECORD_OVERHEAD_BYTES
  );
}

/**
 * Throws RangeError for what the layout cannot hold (over 65535 dims, a token count that
 * is not a uint32): those are caller bugs, not data to store. The vector is not validated
 * here; callers cache only vectors that passed upstream validation, and decoding checks again.
 */
export function encodeRecord(
  record: CacheRecord,
  dtype: CacheDtype,
): Uint8Array<ArrayBuffer> {
  const { vector, tokens } = record;
  if (vector.length > MAX_DIMS)
    throw new RangeError(
      `a record holds at most ${MAX_DIMS} dims, got ${vector.length}`,
    );
  if (!Number.isInteger(tokens) || tokens < 0 || tokens > MAX_TOKENS) {
    throw new RangeError(`token count must be a uint32, got ${tokens}`);
  }
  const out = new Uint8Array(recordBytes(vector.length, dtype));
  const view = new DataView(out.buffer);
  view.setUint8(0, RECORD_FORMAT_VERSION);
  view.setUint8(1, DTYPE_CODE[dtype]);
  view.setUint16(2, vector.length, true);
  view.setUint32(4, tokens, true);
  // Read the float32 bit patterns, so float16 rounding works on exact bits and float32
  // bytes are copied verbatim; DataView fixes the byte order whatever the platform's.
  const bits = new Uint32Array(vector.buffer, vector.byteOffset, vector.length);
  if (dtype === "float16") {
    for (let i = 0; i < bits.length; i++)
      view.setUint16(8 + i * 2, float32BitsToFloat16Bits(bits[i]!), true);
  } else {
    for (let i = 0; i < bits.length; i++)
      view.setUint32(8 + i * 4, bits[i]!, true);
  }
  return out;
}

/** The record's contents, or null when it must be treated as a miss (see module comment). */
export function decodeRecord(bytes: Uint8Array): DecodedRecord | null {
  if (bytes.length < RECORD_HEADER_BYTES) return null;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (view.getUint8(0) !== RECORD_FORMAT_VERSION) return null;
  const dtypeCode = view.getUint8(1);
  const dtype: CacheDtype | undefined =
    dtypeCode === DTYPE_CODE.float16
      ? "float16"
      : dtypeCode === DTYPE_CODE.float32
        ? "float32"
        : undefined;
  if (dtype === undefined) return null;
  const dims = view.getUint16(2, true);
  if (bytes.length !== recordBytes(dims, dtype)) return null;
  const tokens = view.getUint32(4, true);

  const vector = new Float32Array(dims);
  const bits = new Uint32Array(vector.buffer);
  if (dtype === "float16") {
    for (let i = 0; i < dims; i++)
      bits[i] = float16BitsToFloat32Bits(view.getUint16(8 + i * 2, true));
  } else {
    for (let i = 0; i < dims; i++) bits[i] = view.getUint32(8 + i * 4, true);
  }
  return isUnitVector(vector) ? { vector, tokens, dtype } : null;
}

/** Redis holds text: the record's bytes as standard, padded base64. */
export function recordToBase64(bytes: Uint8Array): string {
  return bytesToBase64(bytes);
}

/** A Redis value back to a decoded record; null for malformed base64 or any record `decodeRecord` rejects. */
export function recordFromBase64(text: string): DecodedRecord | null {
  const bytes = base64ToBytes(text);
  return bytes === null ? null : decodeRecord(bytes);
}

/**
 * Exactly the vector a later hit on this record decodes to, without building the record:
 * float16 rounding applied, or an unchanged copy for float32. The miss path answers with
 * this so that the first response and every cached one carry the same bits.
 */
export function roundTripThroughRecord(
  vector: Float32Array,
  dtype: CacheDtype,
): Float32Array {
  return dtype === "float16"
    ? roundToFloat16(vector)
    : new Float32Array(vector);
}
