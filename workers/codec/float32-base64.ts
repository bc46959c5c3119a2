/**
 * Float32 vectors <-> standard base64 of their little-endian bytes, the wire format of
 * OpenAI's `encoding_format: "base64"` (the official `openai` npm client decodes it
 * straight into a Float32Array) and of SGLang's base64 answers.
 *
 * workerd has the native `Uint8Array.prototype.toBase64` / `Uint8Array.fromBase64`
 * (TC39 base64), used when present: the edge encodes ~10 KiB per vector on its hottest
 * path. Elsewhere (Node 20, which runs the unit tests) a lookup-table codec stands in;
 * no Buffer, since workerd has none without nodejs_compat.
 */
const ALPHABET =
  "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
const ENCODE_PAIRS: string[] = [];
for (let i = 0; i < 4096; i++)
  ENCODE_PAIRS.push(ALPHABET[i >> 6]! + ALPHABET[i & 63]!);
const DECODE = new Int16Array(256).fill(-1);
for (let i = 0; i < 64; i++) DECODE[ALPHABET.charCodeAt(i)] = i;

const LITTLE_ENDIAN = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;

interface NativeBase64 {
  toBase64?: (this: Uint8Array) => string;
}
interface NativeBase64Static {
  fromBase64?: (
    text: string,
    options: { lastChunkHandling: "strict" },
  ) => Uint8Array;
}
const nativeToBase64 = (Uint8Array.prototype as NativeBase64).toBase64;
const nativeFromBase64 = (Uint8Array as NativeBase64Static).fromBase64;

/** The vector's bytes in little-endian order, whatever the platform's. */
export function float32ToLittleEndianBytes(vector: Float32Array): Uint8Array {
  if (LITTLE_ENDIAN)
    return new Uint8Array(vector.buffer, vector.byteOffset, vector.byteLength);
  const out = new Uint8Array(vector.length * 4);
  const view = new DataView(out.buffer);
  vector.forEach((v, i) => view.setFloat32(i * 4, v, true));
  return out;
}

export function bytesToBase64(bytes: Uint8Array): string {
  return nativeToBase64
    ? nativeToBase64.call(bytes)
    : tableBytesToBase64(bytes);
}

function tableBytesToBase64(bytes: Uint8Array): string {
  const parts: string[] = [];
  const whole = bytes.length - (bytes.length % 3);
  for (let i = 0; i < whole; i += 3) {
    const n = (bytes[i]! << 16) | (bytes[i + 1]! << 8) | bytes[i + 2]!;
    parts.push(ENCODE_PAIRS[n >> 12]! + ENCODE_PAIRS[n & 4095]!);
  }
  const rest = bytes.length - whole;
  if (rest === 1) {
    const n = bytes[whole]! << 16;
    parts.push(ENCODE_PAIRS[n >> 12]! + "==");
  } else if (rest === 2) {
    const n = (bytes[whole]! << 16) | (bytes[whole + 1]! << 8);
    parts.push(ENCODE_PAIRS[n >> 12]! + ALPHABET[(n >> 6) & 63]! + "=");
  }
  return parts.join("");
}

/** Standard base64 (padding required) to bytes; null for anything malformed. */
export function base64ToBytes(text: string): Uint8Array | null {
  if (nativeFromBase64 && !/\s/.test(text)) {
    try {
      return nativeFromBase64(text, { lastChunkHandling: "strict" });
    } catch {
      return null;
    }
  }
  return tableBase64ToBytes(text);
}

function tableBase64ToBytes(text: string): Uint8Array | null {
  if (text.length % 4 !== 0) return null;
  const pad = text.endsWith("==") ? 2 : text.endsWith("=") ? 1 : 0;
  const out = new Uint8Array((text.length / 4) * 3 - pad);
  let o = 0;
  for (let i = 0; i < text.length; i += 4) {
    const last = i + 4 === text.length;
    const a = DECODE[text.charCodeAt(i)]!;
    const b = DECODE[text.charCodeAt(i + 1)]!;
    const c = last && pad === 2 ? 0 : DECODE[text.charCodeAt(i + 2)]!;
    const d = last && pad >= 1 ? 0 : DECODE[text.charCodeAt(i + 3)]!;
    if ((a | b | c | d) < 0) return null;
    const n = (a << 18) | (b << 12) | (c << 6) | d;
    out[o++] = n >> 16;
    if (o < out.length) out[o++] = (n >> 8) & 255;
    if (o < out.length) out[o++] = n & 255;
  }
  return out;
}

export function encodeFloat32Base64(vector: Float32Array): string {
  return bytesToBase64(float32ToLittleEndianBytes(vector));
}

/** Decodes little-endian float32 base64; null if malformed or not a whole number of floats. */
export function decodeFloat32Base64(text: string): Float32Array | null {
  const bytes = base64ToBytes(text);
  if (bytes === null || bytes.length % 4 !== 0) return null;
  if (LITTLE_ENDIAN && bytes.byteOffset % 4 === 0)
    return new Float32Array(bytes.buffer, bytes.byteOffset, bytes.length / 4);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const out = new Float32Array(bytes.length / 4);
  for (let i = 0; i < out.length; i++) out[i] = view.getFloat32(i * 4, true);
  return out;
}
