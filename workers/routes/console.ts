/**
 * `GET /console` (the web console), `GET /docs` (interactive API docs) and
 * `GET /assets/{file}` (their bundled scripts and styles, from the Workers static
 * assets binding ASSETS; wrangler.toml `[assets]`). All answer under the strict page
 * policy of http/page-security.ts. No credential is involved here: the console signs in
 * in the browser and calls the JSON API with a Bearer token.
 */
import { createRoute, z, type OpenAPIHono } from "@hono/zod-openapi";
import type { AppEnv } from "../app-env";
import { CONSOLE_HTML, DOCS_HTML } from "../console/pages";
import { ApiError } from "../errors/api-error";
import { pageSecurity } from "../http/page-security";
import { errorResponses } from "./error-responses";

const html = (description: string) => ({
  200: { description, content: { "text/html": { schema: z.string() } } },
  ...errorResponses(),
});

const consoleRoute = createRoute({
  method: "get",
  path: "/console",
  description:
    "The web console: tenants sign in with an API key, operators with the admin token.",
  responses: html("The console page"),
});

const docsRoute = createRoute({
  method: "get",
  path: "/docs",
  description:
    "Interactive API docs (Swagger UI) for /openapi.json, served from this Worker.",
  responses: html("The docs page"),
});

/** A bundled file name: letters, digits, dots and dashes, no path. */
const ASSET_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$/;

const assetRoute = createRoute({
  method: "get",
  path: "/assets/{file}",
  description: "A script or stylesheet of the console or the docs page.",
  request: {
    params: z.object({
      file: z.string().openapi({
        param: { name: "file", in: "path" },
        example: "console.js",
      }),
    }),
  },
  responses: {
    200: {
      description: "The file",
      content: {
        "text/javascript": { schema: z.string() },
        "text/css": { schema: z.string() },
      },
    },
    ...errorResponses([404, "No such asset"]),
  },
});

export function registerConsole(app: OpenAPIHono<AppEnv>): void {
  for (const path of ["/console", "/docs", "/assets/*"])
    app.use(path, pageSecurity());
  app.openapi(consoleRoute, (c) => c.html(CONSOLE_HTML));
  app.openapi(docsRoute, (c) => c.html(DOCS_HTML));
  app.openapi(assetRoute, async (c) => {
    const file = c.req.param("file");
    const missing = () =>
      new ApiError("not_found", `No asset '${file.slice(0, 100)}'.`, {
        param: "file",
      });
    if (!ASSET_NAME.test(file)) throw missing();
    const asset = await c.env.ASSETS.fetch(
      new URL(`/assets/${file}`, c.req.url),
    );
    if (asset.status !== 200) throw missing();
    // Re-wrapped so the page middleware can add its headers (a fetched Response's are immutable).
    return new Response(asset.body, { status: 200, headers: asset.headers });
  });
}
