/**
 * `x-request-id` through hono's requestId middleware (hono 4.13, `hono/request-id`),
 * set before anything else so every response, errors included, carries it. A client's
 * own id is echoed when it is safe to echo: at most 128 characters of letters, digits
 * and `_ - . : =` (hono echoes `[\w=-]`; our generator also echoes `.` and `:`, which
 * dotted and colon-separated trace ids use); otherwise the edge makes one,
 * `req_` + 32 lowercase hex digits (a UUID without its dashes).
 */
import type { Context, MiddlewareHandler } from "hono";
import { requestId as honoRequestId } from "hono/request-id";
import type { AppEnv } from "../app-env";

const MAX_ID_LENGTH = 128;
const SAFE_ID = /^[A-Za-z0-9._:=-]{1,128}$/;

/** Called by hono for an id it would not echo: the client's when ours allows it, else a new one. */
function echoedOrNewId(c: Context): string {
  const incoming = c.req.header("x-request-id");
  return incoming !== undefined && SAFE_ID.test(incoming)
    ? incoming
    : `req_${crypto.randomUUID().replaceAll("-", "")}`;
}

/** Sets `c.get("requestId")` and the `x-request-id` response header. */
export function requestId(): MiddlewareHandler<AppEnv> {
  return honoRequestId({
    headerName: "x-request-id",
    limitLength: MAX_ID_LENGTH,
    generator: echoedOrNewId,
  });
}
