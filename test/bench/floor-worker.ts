/**
 * The benchmark's reference routes, in the same runtime as the edge:
 * `/floor` is the cheapest Hono route workerd serves on this machine; `/mget` does
 * nothing but one `@upstash/redis` MGET of the keys it is given, so an L3 hit can be
 * compared with the bare Redis read seen from a Worker.
 */
import { Hono } from "hono";
import { Redis } from "@upstash/redis/cloudflare";

type Bindings = {
  UPSTASH_REDIS_REST_URL: string;
  UPSTASH_REDIS_REST_TOKEN: string;
};
let redis: Redis | undefined;

const app = new Hono<{ Bindings: Bindings }>();
app.get("/floor", (c) => c.text("ok"));
app.post("/mget", async (c) => {
  redis ??= new Redis({
    url: c.env.UPSTASH_REDIS_REST_URL,
    token: c.env.UPSTASH_REDIS_REST_TOKEN,
    automaticDeserialization: false,
    responseEncoding: false,
    enableTelemetry: false,
  });
  const keys = await c.req.json<string[]>();
  const values = await redis.mget<(string | null)[]>(...keys);
  return c.text(String(values.filter((v) => v !== null).length));
});
export default app;
