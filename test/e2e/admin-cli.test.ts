/**
 * The admin CLI as users run it: a child process (`tsx infra/admin-cli/main.ts`) with
 * ADMIN_URL and ADMIN_TOKEN in its environment, against the edge in workerd with a
 * real redis-server behind the bridge. Exact stdout, stderr and exit codes; the admin
 * token never appears in anything the CLI prints.
 */
import { execFile } from "node:child_process";
import http from "node:http";
import type { AddressInfo } from "node:net";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { REPO_ROOT } from "../../infra/local/build-worker";
import { startEdge, type TestEdge } from "../support/edge";
import { Redis } from "@upstash/redis";
import {
  BRIDGE_TOKEN,
  startCacheStack,
  type CacheStack,
} from "../support/cache-stack";

const ADMIN_TOKEN = "cli-admin-token-0123456789abcdef";
const TSX = path.join(REPO_ROOT, "node_modules/.bin/tsx");
const MAIN = path.join(REPO_ROOT, "infra/admin-cli/main.ts");
const ISO = expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
const DEFAULT_PLAN = {
  requests_per_minute: 600,
  tokens_per_minute: 1_000_000,
  tokens_per_month: 100_000_000,
  max_inputs_per_request: 2048,
};

let stack: CacheStack;
let edge: TestEdge;
const printed: string[] = [];

beforeAll(async () => {
  stack = await startCacheStack();
  edge = await startEdge({
    gpuUrls: ["http://127.0.0.1:9"],
    stack,
    vars: { ADMIN_TOKEN },
  });
});
afterAll(async () => {
  await edge?.dispose();
  await stack?.close();
});

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

function cli(
  args: string[],
  env: Record<string, string | undefined> = {},
): Promise<Run> {
  const childEnv: Record<string, string> = {};
  for (const [k, v] of Object.entries({
    ...process.env,
    ADMIN_URL: edge.url,
    ADMIN_TOKEN,
    ...env,
  }))
    if (v !== undefined) childEnv[k] = v;
  return new Promise((resolve) => {
    execFile(
      TSX,
      [MAIN, ...args],
      { env: childEnv },
      (error, stdout, stderr) => {
        printed.push(stdout, stderr);
        resolve({ code: error ? Number(error.code) : 0, stdout, stderr });
      },
    );
  });
}

const ok = (run: Run) => {
  expect([run.code, run.stderr]).toEqual([0, ""]);
  const body = JSON.parse(run.stdout);
  expect(run.stdout).toBe(`${JSON.stringify(body, null, 2)}\n`);
  return body;
};

const GLOBAL_HELP = `Usage: npm run admin -- <command> [options]

Manages tenants, API keys and webhook secrets through the edge's admin API (/admin/v1).

Commands:
  tenants create --name NAME [options]       Create a tenant
  tenants get TENANT_ID                      Show a tenant
  tenants list [options]                     List tenants, newest first, with month-to-date usage
  tenants reindex                            Add tenants made before the tenant list existed to it
  tenants set-plan TENANT_ID [options]       Change plan limits
  tenants suspend TENANT_ID                  Suspend a tenant
  tenants activate TENANT_ID                 Reactivate a suspended tenant
  keys create TENANT_ID [options]            Create an API key
  keys list TENANT_ID                        List a tenant's keys (never their secrets)
  keys revoke KEY_ID                         Revoke an API key
  webhook-secret rotate TENANT_ID [options]  Make a new webhook signing secret
  webhook-secret show TENANT_ID              Describe a tenant's webhook secret (never the secret itself)
  usage TENANT_ID [options]                  Show a tenant's usage per UTC day

Environment:
  ADMIN_URL    base URL of the edge (default: http://127.0.0.1:8787)
  ADMIN_TOKEN  the admin token (required). Read from the environment only, never from a
               flag, so it stays out of shell history and process listings.

Prints the API's answer as JSON. Exit status: 0 done, 1 the API or the network failed
(its message is printed), 2 the command line is wrong.
Run 'npm run admin -- <command> --help' for a command's options.
`;

describe("help", () => {
  it("--help lists every command, without needing a token", async () => {
    expect(await cli(["--help"], { ADMIN_TOKEN: undefined })).toEqual({
      code: 0,
      stdout: GLOBAL_HELP,
      stderr: "",
    });
  });

  it("<command> --help shows its arguments and options", async () => {
    expect(await cli(["keys", "create", "--help"])).toEqual({
      code: 0,
      stderr: "",
      stdout: `Usage: npm run admin -- keys create TENANT_ID [--name NAME] [--scopes LIST]

Create an API key. The full key is printed once, in \`key\`: store it now, it cannot be shown again.

Options:
  --name NAME    a label for the key
  --scopes LIST  comma-separated scopes: embed, index, usage, batch, keys (default: all)
`,
    });
    const setPlan = await cli(["tenants", "set-plan", "--help"]);
    expect(setPlan.code).toBe(0);
    expect(setPlan.stdout).toContain(
      "Usage: npm run admin -- tenants set-plan TENANT_ID [--requests-per-minute N] [--tokens-per-minute N] [--tokens-per-month N] [--max-inputs N]\n",
    );
    expect(setPlan.stdout).toContain(
      "  --max-inputs N           inputs per /v1/embeddings request\n",
    );
  });

  it("no command: help on stderr, exit 2; an unknown one: exit 2", async () => {
    expect(await cli([])).toEqual({ code: 2, stdout: "", stderr: GLOBAL_HELP });
    expect(await cli(["tenants", "delete", "x"])).toEqual({
      code: 2,
      stdout: "",
      stderr:
        "error: unknown command 'tenants delete'\nRun 'npm run admin -- --help' for the commands.\n",
    });
  });
});

describe("tenants and keys through the CLI", () => {
  it("creates a tenant, sets its plan, suspends and activates it, creates, lists and revokes keys", async () => {
    const tenant = ok(
      await cli([
        "tenants",
        "create",
        "--name",
        "CLI Corp",
        "--plan-json",
        '{"requests_per_minute":60}',
      ]),
    );
    expect(tenant).toEqual({
      id: expect.stringMatching(/^ten_[0-9A-Za-z]{16}$/),
      name: "CLI Corp",
      status: "active",
      plan: { ...DEFAULT_PLAN, requests_per_minute: 60 },
      created_at: ISO,
    });
    expect(ok(await cli(["tenants", "get", tenant.id]))).toEqual(tenant);

    const planned = ok(
      await cli([
        "tenants",
        "set-plan",
        tenant.id,
        "--tokens-per-minute",
        "5000",
        "--max-inputs",
        "64",
      ]),
    );
    const plan = {
      ...tenant.plan,
      tokens_per_minute: 5000,
      max_inputs_per_request: 64,
    };
    expect(planned).toEqual({ ...tenant, plan });
    expect(ok(await cli(["tenants", "suspend", tenant.id]))).toEqual({
      ...tenant,
      plan,
      status: "suspended",
    });
    expect(ok(await cli(["tenants", "activate", tenant.id]))).toEqual({
      ...tenant,
      plan,
      status: "active",
    });

    const createdRun = await cli([
      "keys",
      "create",
      tenant.id,
      "--name",
      "ci",
      "--scopes",
      "embed, usage",
    ]);
    expect(createdRun.code).toBe(0);
    expect(createdRun.stderr).toBe(
      "The key is shown only this once: store it now.\n",
    );
    const key = JSON.parse(createdRun.stdout);
    expect(key).toEqual({
      id: expect.stringMatching(/^[0-9A-Za-z]{16}$/),
      key: expect.stringMatching(/^sk_live_[0-9A-Za-z]{16}_[0-9A-Za-z]{32}$/),
      prefix: `sk_live_${key.id}`,
      scopes: ["embed", "usage"],
      created_at: ISO,
    });

    const listView = {
      id: key.id,
      tenant_id: tenant.id,
      name: "ci",
      prefix: key.prefix,
      scopes: ["embed", "usage"],
      created_at: key.created_at,
      revoked_at: null,
    };
    const listRun = await cli(["keys", "list", tenant.id]);
    expect(ok(listRun)).toEqual({ object: "list", data: [listView] });
    expect(listRun.stdout).not.toContain(key.key.slice(-32));

    expect(ok(await cli(["keys", "revoke", key.id]))).toEqual({
      id: key.id,
      revoked: true,
    });
    expect(ok(await cli(["keys", "revoke", key.id]))).toEqual({
      id: key.id,
      revoked: true,
    });
    expect(ok(await cli(["keys", "list", tenant.id]))).toEqual({
      object: "list",
      data: [{ ...listView, revoked_at: ISO }],
    });
  });
});

describe("tenants list", () => {
  it("pages newest first and filters by status", async () => {
    const older = ok(await cli(["tenants", "create", "--name", "List Older"]));
    const newer = ok(await cli(["tenants", "create", "--name", "List Newer"]));
    ok(await cli(["tenants", "suspend", older.id]));
    const noUsage = (t: { created_at: string }) => ({
      month: t.created_at.slice(0, 7),
      from: `${t.created_at.slice(0, 8)}01`,
      to: new Date().toISOString().slice(0, 10),
      requests: 0,
      inputs: 0,
      tokens_computed: 0,
      tokens_cached: 0,
      tokens: 0,
      gpu_ms: 0,
    });
    const first = ok(await cli(["tenants", "list", "--limit", "1"]));
    expect(first).toEqual({
      object: "list",
      data: [{ ...newer, month_to_date: noUsage(newer) }],
      first_id: newer.id,
      last_id: newer.id,
      has_more: true,
    });
    const second = ok(
      await cli(["tenants", "list", "--limit", "1", "--after", newer.id]),
    );
    expect(second.data[0]).toEqual({
      ...older,
      status: "suspended",
      month_to_date: noUsage(older),
    });
    const suspended = ok(
      await cli(["tenants", "list", "--status", "suspended"]),
    );
    expect(suspended.data.map((t: { id: string }) => t.id)).toEqual([older.id]);
    expect(await cli(["tenants", "list", "--status", "gone"])).toEqual({
      code: 1,
      stdout: "",
      stderr: "error: 'status' must be 'active' or 'suspended'. (HTTP 400)\n",
    });
  });
});

describe("tenants reindex", () => {
  it("lists again a tenant whose index entry was lost, and is safe to repeat", async () => {
    const tenant = ok(await cli(["tenants", "create", "--name", "Unlisted"]));
    // As if made before the index existed: the record without its index member.
    const redis = new Redis({
      url: stack.bridge.url,
      token: BRIDGE_TOKEN,
      retry: false,
    });
    expect(
      await redis.zrem("tenancy:tenants", `${tenant.created_at} ${tenant.id}`),
    ).toBe(1);
    const ids = async () =>
      ok(await cli(["tenants", "list", "--limit", "100"])).data.map(
        (t: { id: string }) => t.id,
      );
    expect(await ids()).not.toContain(tenant.id);
    // Every tenant record there is (not a tenant's `:keys` or `:webhook-secrets`).
    const all = (await redis.keys("tenancy:tenant:*")).filter((k) =>
      /^tenancy:tenant:ten_[0-9A-Za-z]{16}$/.test(k),
    ).length;
    expect(ok(await cli(["tenants", "reindex"]))).toEqual({
      object: "tenant_index",
      indexed: all,
      done: true,
    });
    expect(await ids()).toContain(tenant.id);
    expect(ok(await cli(["tenants", "reindex"]))).toEqual({
      object: "tenant_index",
      indexed: all,
      done: true,
    });
    expect((await ids()).length).toBe(all);
  });
});

describe("webhook secrets through the CLI", () => {
  const WHSEC = /^whsec_[A-Za-z0-9+/]{43}=$/;

  it("webhook-secret rotate --help", async () => {
    expect(await cli(["webhook-secret", "rotate", "--help"])).toEqual({
      code: 0,
      stderr: "",
      stdout: `Usage: npm run admin -- webhook-secret rotate TENANT_ID [--grace-seconds N]

Make a new webhook signing secret. The secret (whsec_…) is printed once, in \`secret\`: store it now, it cannot be shown again. The replaced secret still verifies until \`previous_expires_at\`.

Options:
  --grace-seconds N  how long the replaced secret still verifies, 0 to 604800 (default: 86400; 0 ends it now)
`,
    });
  });

  it("rotates (printing the secret once, with a notice) and shows metadata without it", async () => {
    const tenant = ok(await cli(["tenants", "create", "--name", "Hook Corp"]));
    expect(ok(await cli(["webhook-secret", "show", tenant.id]))).toEqual({
      object: "webhook_secret",
      tenant_id: tenant.id,
      has_secret: false,
      created_at: null,
      previous_expires_at: null,
    });

    const first = await cli(["webhook-secret", "rotate", tenant.id]);
    expect([first.code, first.stderr]).toEqual([
      0,
      "The secret is shown only this once: store it now.\n",
    ]);
    const rotated = JSON.parse(first.stdout);
    expect(first.stdout).toBe(`${JSON.stringify(rotated, null, 2)}\n`);
    expect(rotated).toEqual({
      object: "webhook_secret",
      tenant_id: tenant.id,
      secret: expect.stringMatching(WHSEC),
      created_at: ISO,
      previous_expires_at: null,
    });

    const shown = await cli(["webhook-secret", "show", tenant.id]);
    expect(ok(shown)).toEqual({
      object: "webhook_secret",
      tenant_id: tenant.id,
      has_secret: true,
      created_at: rotated.created_at,
      previous_expires_at: null,
    });
    expect(shown.stdout).not.toContain("whsec_");

    const second = JSON.parse(
      (
        await cli([
          "webhook-secret",
          "rotate",
          tenant.id,
          "--grace-seconds",
          "60",
        ])
      ).stdout,
    );
    expect(second.secret).toMatch(WHSEC);
    expect(second.secret).not.toBe(rotated.secret);
    expect(
      Date.parse(second.previous_expires_at) - Date.parse(second.created_at),
    ).toBe(60_000);
    expect(ok(await cli(["webhook-secret", "show", tenant.id]))).toEqual({
      object: "webhook_secret",
      tenant_id: tenant.id,
      has_secret: true,
      created_at: second.created_at,
      previous_expires_at: second.previous_expires_at,
    });
    expect(
      JSON.parse(
        (
          await cli([
            "webhook-secret",
            "rotate",
            tenant.id,
            "--grace-seconds",
            "0",
          ])
        ).stdout,
      ).previous_expires_at,
    ).toBeNull();
  });

  it("errors: exit 1 from the API, exit 2 for the command line", async () => {
    const usage = `Run 'npm run admin -- webhook-secret rotate --help' for usage.\n`;
    expect(
      await cli(["webhook-secret", "show", "ten_0000000000000000"]),
    ).toEqual({
      code: 1,
      stdout: "",
      stderr:
        "error: No tenant with id 'ten_0000000000000000'. (HTTP 404 tenant_not_found)\n",
    });
    expect(
      await cli(["webhook-secret", "rotate", "ten_0000000000000000"]),
    ).toEqual({
      code: 1,
      stdout: "",
      stderr:
        "error: No tenant with id 'ten_0000000000000000'. (HTTP 404 tenant_not_found)\n",
    });
    expect(
      await cli([
        "webhook-secret",
        "rotate",
        "ten_0000000000000000",
        "--grace-seconds",
        "604801",
      ]),
    ).toEqual({
      code: 1,
      stdout: "",
      stderr:
        "error: 'grace_seconds' must be an integer between 0 and 604800. (HTTP 400)\n",
    });
    expect(
      await cli([
        "webhook-secret",
        "rotate",
        "ten_0000000000000000",
        "--grace-seconds",
        "1h",
      ]),
    ).toEqual({
      code: 2,
      stdout: "",
      stderr: `error: --grace-seconds must be a whole number, got '1h'\n${usage}`,
    });
    expect(await cli(["webhook-secret", "rotate"])).toEqual({
      code: 2,
      stdout: "",
      stderr: `error: expected TENANT_ID, got none\n${usage}`,
    });
    expect(
      await cli(["webhook-secret", "delete", "ten_0000000000000000"]),
    ).toEqual({
      code: 2,
      stdout: "",
      stderr:
        "error: unknown command 'webhook-secret delete'\nRun 'npm run admin -- --help' for the commands.\n",
    });
  });
});

describe("errors", () => {
  it("prints the API's message and exits 1", async () => {
    expect(await cli(["tenants", "get", "ten_0000000000000000"])).toEqual({
      code: 1,
      stdout: "",
      stderr:
        "error: No tenant with id 'ten_0000000000000000'. (HTTP 404 tenant_not_found)\n",
    });
    expect(
      await cli([
        "tenants",
        "create",
        "--name",
        "x",
        "--plan-json",
        '{"tokens_per_month":0}',
      ]),
    ).toEqual({
      code: 1,
      stdout: "",
      stderr:
        "error: 'plan.tokens_per_month' must be an integer between 1 and 1000000000000. (HTTP 400)\n",
    });
    expect(
      await cli(["keys", "list", "ten_0000000000000000"], {
        ADMIN_TOKEN: "not-the-admin-token-0123456789",
      }),
    ).toEqual({
      code: 1,
      stdout: "",
      stderr:
        "error: Invalid or missing admin token. (HTTP 401 invalid_admin_token)\n",
    });
  });

  it("a wrong command line exits 2 before any request", async () => {
    const usage = (cmd: string) =>
      `Run 'npm run admin -- ${cmd} --help' for usage.\n`;
    expect(await cli(["tenants", "create"])).toEqual({
      code: 2,
      stdout: "",
      stderr: `error: --name is required\n${usage("tenants create")}`,
    });
    expect(await cli(["keys", "list"])).toEqual({
      code: 2,
      stdout: "",
      stderr: `error: expected TENANT_ID, got none\n${usage("keys list")}`,
    });
    expect(await cli(["tenants", "set-plan", "ten_0000000000000000"])).toEqual({
      code: 2,
      stdout: "",
      stderr: `error: give at least one of --requests-per-minute, --tokens-per-minute, --tokens-per-month, --max-inputs\n${usage("tenants set-plan")}`,
    });
    expect(
      await cli([
        "tenants",
        "set-plan",
        "ten_0000000000000000",
        "--tokens-per-month",
        "1e6",
      ]),
    ).toEqual({
      code: 2,
      stdout: "",
      stderr: `error: --tokens-per-month must be a whole number, got '1e6'\n${usage("tenants set-plan")}`,
    });
    expect(
      await cli(["tenants", "create", "--name", "x", "--plan-json", "{"]),
    ).toEqual({
      code: 2,
      stdout: "",
      stderr: `error: --plan-json is not valid JSON\n${usage("tenants create")}`,
    });
    expect(
      await cli([
        "keys",
        "list",
        "ten_0000000000000000",
        "--token",
        ADMIN_TOKEN,
      ]),
    ).toEqual({
      code: 2,
      stdout: "",
      stderr: `error: the admin token is read from ADMIN_TOKEN only, never from a flag\n${usage("keys list")}`,
    });
    expect(
      await cli(["keys", "list", "ten_0000000000000000"], {
        ADMIN_TOKEN: undefined,
      }),
    ).toEqual({
      code: 2,
      stdout: "",
      stderr: `error: ADMIN_TOKEN is not set: export it in the environment (it is never taken as a flag)\n${usage("keys list")}`,
    });
  });

  it("an unreachable API exits 1 naming where it looked", async () => {
    const server = http.createServer();
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    const port = (server.address() as AddressInfo).port;
    await new Promise((r) => server.close(r));
    expect(
      await cli(["keys", "list", "ten_0000000000000000"], {
        ADMIN_URL: `http://127.0.0.1:${port}`,
      }),
    ).toEqual({
      code: 1,
      stdout: "",
      stderr: `error: cannot reach the admin API at http://127.0.0.1:${port}: ECONNREFUSED\n`,
    });
  });
});

describe("usage", () => {
  it("calls GET /admin/v1/tenants/:id/usage with from and to, and prints the answer", async () => {
    const seen: { method?: string; url?: string; auth?: string }[] = [];
    const report = { tenant_id: "ten_0000000000000000", days: [] };
    const server = http.createServer((req, res) => {
      seen.push({
        method: req.method,
        url: req.url,
        auth: req.headers.authorization,
      });
      res
        .writeHead(200, { "content-type": "application/json" })
        .end(JSON.stringify(report));
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    try {
      const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
      const run = await cli(
        [
          "usage",
          "ten_0000000000000000",
          "--from",
          "2026-04-01",
          "--to",
          "2026-04-30",
        ],
        { ADMIN_URL: url },
      );
      expect(ok(run)).toEqual(report);
      expect(seen).toEqual([
        {
          method: "GET",
          url: "/admin/v1/tenants/ten_0000000000000000/usage?from=2026-04-01&to=2026-04-30",
          auth: `Bearer ${ADMIN_TOKEN}`,
        },
      ]);
    } finally {
      await new Promise((r) => server.close(r));
    }
  });
});

describe("secrets", () => {
  it("the admin token never appears in anything the CLI printed", () => {
    expect(printed.length).toBeGreaterThan(20);
    for (const text of printed) expect(text).not.toContain(ADMIN_TOKEN);
  });
});
