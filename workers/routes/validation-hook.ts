/**
 * The `defaultHook` of the app's OpenAPIHono: a route's generated zod validator that fails
 * (body, query or path) is answered with our 400 envelope (errors/schema-error.ts), the
 * same one OpenAI gives: an unknown field first, then fields in the schema's order. The
 * schema's field order is read from the route's own registration (the OpenAPI registry
 * holds every route's config), so no route repeats it.
 */
import type { OpenAPIHono, RouteConfig } from "@hono/zod-openapi";
import type { Context } from "hono";
import type { z } from "zod";
import type { AppEnv } from "../app-env";
import { fieldOrderOf, schemaError } from "../errors/schema-error";

type HookResult = { target: string } & (
  { success: true } | { success: false; error: { issues: z.core.$ZodIssue[] } }
);

/** The hook for `app`: returns nothing when validation passed, throws the 400 otherwise. */
export function validationHook(app: () => OpenAPIHono<AppEnv>) {
  return (result: HookResult, c: Context<AppEnv>): undefined => {
    if (result.success) return undefined;
    const schema = schemaOf(routeOf(app(), c), result.target);
    throw schemaError(result.error.issues, schema ? fieldOrderOf(schema) : []);
  };
}

/** The registered route serving this request: same method, same path once `{x}` is written `:x`. */
function routeOf(
  app: OpenAPIHono<AppEnv>,
  c: Context<AppEnv>,
): RouteConfig | undefined {
  const method = c.req.method.toLowerCase();
  for (const definition of app.openAPIRegistry.definitions) {
    if (definition.type !== "route") continue;
    const { route } = definition;
    if (
      route.method === method &&
      route.path.replaceAll(/\/{(.+?)}/g, "/:$1") === c.req.routePath
    )
      return route;
  }
  return undefined;
}

function schemaOf(
  route: RouteConfig | undefined,
  target: string,
): z.ZodType | undefined {
  const request = route?.request;
  if (target === "query") return request?.query as z.ZodType | undefined;
  if (target === "param") return request?.params as z.ZodType | undefined;
  const media =
    request?.body?.content[
      target === "json" ? "application/json" : "multipart/form-data"
    ];
  return media && "schema" in media ? (media.schema as z.ZodType) : undefined;
}
