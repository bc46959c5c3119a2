/**
 * Small HTTP helpers for the stand-in tests: they talk to a real server over a real
 * socket, so what is asserted is what a client receives.
 */
export function postJson(
  url: string,
  body: unknown,
  headers: Record<string, string> = {},
): Promise<Response> {
  return fetch(url, {
    method: "POST",
    headers: { "content-type": "application/json", ...headers },
    body: typeof body === "string" ? body : JSON.stringify(body),
  });
}

/** Little-endian float32 values of a standard base64 string, read byte by byte. */
export function float32FromBase64(base64: string): Float32Array {
  const bytes = Buffer.from(base64, "base64");
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const values = new Float32Array(bytes.byteLength / 4);
  for (let i = 0; i < values.length; i++)
    values[i] = view.getFloat32(i * 4, true);
  return values;
}

/** The response's embedding values for item `index` in float mode. */
export async function floatsOf(
  response: Response,
  index = 0,
): Promise<number[]> {
  const body = (await response.json()) as { data: { embedding: number[] }[] };
  return body.data[index]!.embedding;
}
