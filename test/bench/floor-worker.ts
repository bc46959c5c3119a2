// The benchmark's floor: the cheapest Hono route workerd can serve on this machine.
import { Hono } from "hono";

const app = new Hono();
app.get("/floor", (c) => c.text("ok"));
export default app;
