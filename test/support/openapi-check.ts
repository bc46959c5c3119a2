/**
 * Holds every response an integration suite gets from the edge to the edge's own
 * `/openapi.json`: the status must be documented for that path and method, the content
 * type must be one the document names for it, and a JSON body must match its schema
 * (Ajv 8, JSON Schema 2020-12, the dialect of OpenAPI 3.1; formats by ajv-formats).
 * A failure names the route, the status and the schema error.
 *
 * Not operations, so not checked: CORS preflights (OPTIONS, answered by middleware on
 * every `/v1` path) and the document and its viewer (`/openapi.json`, `/docs`). A path
 * or method the document does not name must be the app's 404 envelope. An edge that
 * cannot serve its document (a configuration it refuses: every request is the same 500)
 * is held to that: each response must be the same status with OpenAI's envelope.
 */
import { Ajv2020, type ValidateFunction } from "ajv/dist/2020.js";
import addFormats from "ajv-formats";

interface MediaType {
  schema?: unknown;
}
interface Operation {
  security?: Record<string, string[]>[];
  parameters?: {
    name: string;
    in: string;
    example?: unknown;
    schema?: { example?: unknown };
  }[];
  requestBody?: { content: Record<string, MediaType> };
  responses: Record<string, { content?: Record<string, MediaType> }>;
}
export interface OpenApiDocument {
  paths: Record<string, Partial<Record<string, Operation>>>;
  components?: unknown;
}

const DOC_ID = "https://edge.test/openapi.json";
const UNCHECKED_PATHS = new Set(["/openapi.json", "/docs"]);
const METHODS = ["get", "put", "post", "delete", "patch"] as const;

/** Each documented operation of `doc`: path template, lower-case method, operation. */
export function operationsOf(
  doc: OpenApiDocument,
): { path: string; method: string; operation: Operation }[] {
  return Object.entries(doc.paths).flatMap(([path, item]) =>
    METHODS.flatMap((method) =>
      item[method] ? [{ path, method, operation: item[method]! }] : [],
    ),
  );
}

/** A JSON pointer segment as a URI fragment segment (RFC 6901 §6). */
const pointer = (segment: string) =>
  encodeURIComponent(segment.replaceAll("~", "~0").replaceAll("/", "~1"));

export class OpenApiCheck {
  private readonly ajv = new Ajv2020({ strict: false, allErrors: true });
  private readonly compiled = new Map<string, ValidateFunction>();
  private readonly templates: { path: string; pattern: RegExp }[];

  constructor(private readonly doc: OpenApiDocument) {
    addFormats.default(this.ajv);
    this.ajv.addSchema({ ...doc, $id: DOC_ID });
    this.templates = Object.keys(doc.paths).map((path) => ({
      path,
      pattern: new RegExp(
        `^${path.replaceAll(/[.*+?^$()|[\]\\]/g, "\\$&").replaceAll(/\{[^}]+\}/g, "[^/]+")}$`,
      ),
    }));
  }

  /** Throws unless `response` (to `method` `url`) is what the document says; reads a clone of the body. */
  async check(method: string, url: string, response: Response): Promise<void> {
    const path = new URL(url, "http://edge.test").pathname;
    const verb = method.toLowerCase();
    if (verb === "options" || UNCHECKED_PATHS.has(path)) return;
    const route = `${method.toUpperCase()} ${path}`;
    const fail = (why: string): never => {
      throw new Error(`OpenAPI: ${route} answered ${response.status}, ${why}`);
    };
    // The most literal template wins, as in Hono's router: `/tenants/reindex` before `/tenants/{id}`.
    const template = this.templates
      .filter((t) => t.pattern.test(path))
      .sort(
        (a, b) => a.path.split("{").length - b.path.split("{").length,
      )[0]?.path;
    const operation =
      template === undefined
        ? undefined
        : this.doc.paths[template]?.[verb === "head" ? "get" : verb];
    if (template === undefined || operation === undefined) {
      // The admin guard runs on all of /admin/v1/* before routing: a stranger learns no route.
      const guarded = response.status === 401 && path.startsWith("/admin/v1/");
      if (response.status !== 404 && !guarded)
        fail(
          "but the document has no such operation (only the 404 envelope, or the admin guard's 401, may answer one)",
        );
      return this.checkBody(
        route,
        response,
        "#/components/schemas/Error",
        fail,
      );
    }
    const documented = operation.responses[String(response.status)];
    if (!documented)
      fail(
        `a status not documented for ${verb.toUpperCase()} ${template} (documented: ${Object.keys(operation.responses).join(", ")})`,
      );
    const types = Object.keys(documented!.content ?? {});
    const contentType = (response.headers.get("content-type") ?? "")
      .split(";")[0]!
      .trim()
      .toLowerCase();
    if (types.length === 0) {
      if (contentType !== "")
        fail(`with a '${contentType}' body where the document has none`);
      return;
    }
    if (!types.includes(contentType))
      fail(
        `with content type '${contentType}', documented: ${types.join(", ")}`,
      );
    if (contentType !== "application/json" || verb === "head") return;
    const at = [
      "paths",
      template,
      verb,
      "responses",
      String(response.status),
      "content",
      "application/json",
      "schema",
    ];
    return this.checkBody(
      route,
      response,
      `#/${at.map(pointer).join("/")}`,
      fail,
    );
  }

  private async checkBody(
    route: string,
    response: Response,
    fragment: string,
    fail: (why: string) => never,
  ): Promise<void> {
    let validate = this.compiled.get(fragment);
    if (!validate) {
      validate = this.ajv.getSchema(`${DOC_ID}${fragment}`);
      if (!validate)
        throw new Error(`OpenAPI: ${route}: no schema at ${fragment}`);
      this.compiled.set(fragment, validate);
    }
    const text = await response.clone().text();
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch {
      fail(`with a body that is not JSON: ${text.slice(0, 200)}`);
    }
    if (!validate(body))
      fail(
        `with a body its schema (${decodeURIComponent(fragment)}) refuses: ${this.ajv.errorsText(validate.errors)}; body ${text.slice(0, 300)}`,
      );
  }
}

/** What an edge that could not serve `/openapi.json` (it answered `status`) may answer: that same error, enveloped. */
export class BrokenEdgeCheck {
  constructor(private readonly status: number) {}

  async check(method: string, url: string, response: Response): Promise<void> {
    const route = `${method.toUpperCase()} ${new URL(url, "http://edge.test").pathname}`;
    const text = await response.clone().text();
    let error: Record<string, unknown> | undefined;
    try {
      error = (JSON.parse(text) as { error?: Record<string, unknown> }).error;
    } catch {
      error = undefined;
    }
    const enveloped =
      error !== undefined &&
      typeof error.message === "string" &&
      typeof error.type === "string" &&
      (error.param === null || typeof error.param === "string") &&
      (error.code === null || typeof error.code === "string");
    if (response.status !== this.status || !enveloped) {
      throw new Error(
        `OpenAPI: ${route} answered ${response.status} ${text.slice(0, 200)}, but the edge answers /openapi.json with ${this.status}: every answer must be that error`,
      );
    }
  }
}
