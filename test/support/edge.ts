/**
 * The edge Worker running in workerd (Miniflare), configured per test, with what it
 * needs around it: Upstash (a real redis-server behind the local REST bridge; started
 * here unless the test brings its own `stack`), the usage queue, an admin token, and a
 * tenant with an API key created through the real admin API. Requests go through
 * `fetch(path, init)`; `url` is a real local HTTP address for clients that need one
 * (the official `openai` package, the admin CLI). Every response to `fetch` (and so to
 * `admin`, `embed` and `newTenant`) is checked against the edge's own `/openapi.json`
 * (openapi-check.ts): an undocumented status or a body its schema refuses fails the test.
 */
import { Miniflare } from "miniflare";
import { COMPATIBILITY_DATE } from "../../infra/local/build-worker";
import { appendFileSync } from "node:fs";
import { TEST_ASSETS, TEST_BUNDLE, WORKER_LOG } from "./global-setup";
import { startCacheStack, type CacheStack } from "./cache-stack";
import { WORKER_BINDINGS } from "./worker-bindings";
import type { Plan, Scope } from "../../workers/tenants/records";
import {
  BrokenEdgeCheck,
  OpenApiCheck,
  type OpenApiDocument,
} from "./openapi-check";

export const TEST_ADMIN_TOKEN = "test-admin-token-0123456789abcdef";

export interface EdgeOptions {
  gpuUrls: string[];
  vars?: Record<string, string>;
  /** Redis + bridge to use; when absent the edge gets its own, stopped on dispose. */
  stack?: CacheStack;
  /** `null`: no ADMIN_TOKEN configured (and so no tenant seeded). */
  adminToken?: string | null;
  /** Plan of the seeded tenant. */
  plan?: Partial<Plan>;
  /** Keep Durable Objects and R2 on disk here, so a second edge on the same directory
   * finds them (a consumer "killed" with the first). Default: in memory. */
  persistDir?: string;
  /** Seed a tenant through the admin API (default true; false when a restarted edge reuses one). */
  seedTenant?: boolean;
}

export interface TestTenant {
  tenantId: string;
  keyId: string;
  apiKey: string;
}

export interface TestEdge {
  url: string;
  stack: CacheStack;
  /** The tenant seeded at start (absent when no admin token is configured). */
  tenant: TestTenant;
  apiKey: string;
  /** Every line the Worker logged (stdout and stderr of workerd). */
  logs: string[];
  fetch(path: string, init?: RequestInit): Promise<Response>;
  /** Node's fetch to an absolute URL under `url`, its response checked like `fetch`'s: for clients given `url` (the `openai` package's `fetch` option). */
  checkedFetch(
    input: string | URL | Request,
    init?: RequestInit,
  ): Promise<Response>;
  /** `/admin/v1` call with the admin token. */
  admin(method: string, path: string, body?: unknown): Promise<Response>;
  newTenant(options?: {
    plan?: Partial<Plan>;
    scopes?: Scope[];
    name?: string;
  }): Promise<TestTenant>;
  embed(body: unknown, headers?: Record<string, string>): Promise<Response>;
  /** The Worker's bindings, usable from the test (e.g. USAGE_QUEUE to send to the real queue). */
  bindings(): Promise<Record<string, unknown>>;
  dispose(): Promise<void>;
}

export async function startEdge(options: EdgeOptions): Promise<TestEdge> {
  const ownStack = options.stack === undefined;
  const stack = options.stack ?? (await startCacheStack());
  const adminToken =
    options.adminToken === undefined ? TEST_ADMIN_TOKEN : options.adminToken;
  const logs: string[] = [];
  const collect = (stream: NodeJS.ReadableStream) =>
    stream.on("data", (chunk: Buffer) => {
      const lines = chunk
        .toString()
        .split("\n")
        .filter((line) => line.trim());
      logs.push(...lines);
      // Every line of every test, checked for secrets when the run ends (global-setup.ts).
      if (lines.length > 0)
        appendFileSync(WORKER_LOG, lines.map((l) => `${l}\n`).join(""));
      if (process.env.DEBUG_EDGE) process.stderr.write(chunk);
    });
  const edgeWorker = {
    name: "edge",
    modules: true,
    scriptPath: TEST_BUNDLE,
    compatibilityDate: COMPATIBILITY_DATE,
    ...WORKER_BINDINGS,
    // wrangler.toml [assets]: the Worker reads /assets/* through its ASSETS binding. The
    // binding is Miniflare's own asset server, in a worker of its own, so no asset router
    // stands in front of the edge: with run_worker_first the Worker answers every request
    // anyway, and a router in between resets connections whose request body the Worker
    // refused unread (a 413), which a test sees as ECONNRESET rather than the 413.
    serviceBindings: { ASSETS: "static" },
    bindings: {
      GPU_WORKER_URLS: options.gpuUrls.join(","),
      ...stack.vars,
      ...(adminToken ? { ADMIN_TOKEN: adminToken } : {}),
      ...options.vars,
    },
  };
  const staticWorker = {
    name: "static",
    modules: true,
    script: "export default {};",
    compatibilityDate: COMPATIBILITY_DATE,
    assets: {
      directory: TEST_ASSETS,
      routerConfig: { has_user_worker: false },
    },
  };
  const mf = new Miniflare({
    handleRuntimeStdio: (
      stdout: NodeJS.ReadableStream,
      stderr: NodeJS.ReadableStream,
    ) => {
      collect(stdout);
      collect(stderr);
    },
    host: "127.0.0.1",
    port: 0,
    // Persistence is a shared option in Miniflare 4: set per worker it is ignored.
    ...(options.persistDir
      ? {
          durableObjectsPersist: `${options.persistDir}/do`,
          r2Persist: `${options.persistDir}/r2`,
        }
      : {}),
    workers: [edgeWorker, staticWorker],
  });
  const url = (await mf.ready).toString().replace(/\/$/, "");
  const rawFetch = async (path: string, init?: RequestInit) =>
    (await mf.dispatchFetch(
      `http://edge.test${path}`,
      init as never,
    )) as unknown as Response;
  let docs: Promise<OpenApiCheck | BrokenEdgeCheck> | undefined;
  const openApiCheck = () =>
    (docs ??= rawFetch("/openapi.json").then(async (res) =>
      res.status === 200
        ? new OpenApiCheck((await res.json()) as OpenApiDocument)
        : (await res.arrayBuffer(), new BrokenEdgeCheck(res.status)),
    ));
  const doFetch = async (path: string, init?: RequestInit) => {
    const res = await rawFetch(path, init);
    await (await openApiCheck()).check(init?.method ?? "GET", path, res);
    return res;
  };
  const checkedFetch = async (
    input: string | URL | Request,
    init?: RequestInit,
  ) => {
    const res = await fetch(input, init);
    const request = input instanceof Request ? input : null;
    const href = request ? request.url : input.toString();
    await (
      await openApiCheck()
    ).check(
      init?.method ?? request?.method ?? "GET",
      new URL(href).pathname,
      res,
    );
    return res;
  };
  const admin = (method: string, path: string, body?: unknown) =>
    doFetch(`/admin/v1${path}`, {
      method,
      headers: {
        authorization: `Bearer ${options.vars?.ADMIN_TOKEN ?? adminToken}`,
        "content-type": "application/json",
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
  const newTenant: TestEdge["newTenant"] = async (opts = {}) => {
    const created = await admin("POST", "/tenants", {
      name: opts.name ?? "test tenant",
      ...(opts.plan ? { plan: opts.plan } : {}),
    });
    if (created.status !== 201)
      throw new Error(
        `creating a tenant failed: ${created.status} ${await created.text()}`,
      );
    const tenantId = ((await created.json()) as { id: string }).id;
    const keyRes = await admin(
      "POST",
      `/tenants/${tenantId}/keys`,
      opts.scopes ? { scopes: opts.scopes } : {},
    );
    if (keyRes.status !== 201)
      throw new Error(
        `creating a key failed: ${keyRes.status} ${await keyRes.text()}`,
      );
    const key = (await keyRes.json()) as { id: string; key: string };
    return { tenantId, keyId: key.id, apiKey: key.key };
  };
  const tenant =
    adminToken && options.seedTenant !== false
      ? await newTenant(options.plan ? { plan: options.plan } : {})
      : { tenantId: "", keyId: "", apiKey: "" };
  return {
    url,
    stack,
    tenant,
    apiKey: tenant.apiKey,
    logs,
    fetch: doFetch,
    checkedFetch,
    admin,
    newTenant,
    embed: (body, headers = {}) =>
      doFetch("/v1/embeddings", {
        method: "POST",
        headers: {
          authorization: `Bearer ${tenant.apiKey}`,
          "content-type": "application/json",
          ...headers,
        },
        body: typeof body === "string" ? body : JSON.stringify(body),
      }),
    bindings: () => mf.getBindings(),
    async dispose() {
      await mf.dispose();
      if (ownStack) await stack.close();
    },
  };
}
