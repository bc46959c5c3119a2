/**
 * The console (/console) and the API docs (/docs) in a real browser: Debian's Chromium
 * driven by playwright-core, against the Worker in workerd (Miniflare, serving the built
 * static assets through its ASSETS binding), a real redis-server behind the Upstash REST
 * bridge, and the CPU stand-in over HTTP. The tenant's traffic is made here, so the
 * figures the page must show are known from that traffic. Screenshots of both views
 * and of /docs go to test-artifacts/.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Browser, BrowserContext, Page } from "playwright-core";
import {
  startEdge,
  TEST_ADMIN_TOKEN,
  type TestEdge,
  type TestTenant,
} from "../support/edge";
import { startStandin, type Standin } from "../support/standin";
import {
  launchChromium,
  otherOriginServer,
  recordedContext,
  screenshot,
  until,
  type Recorder,
} from "./browser";

const INPUTS = ["the console charts this", "and this one too"];
const DAYS = 30;
const ALL_SCOPES = ["embed", "index", "usage", "batch", "keys"] as const;
const BAD_KEY = {
  error: {
    message:
      "Incorrect API key provided. Check the key you are using, or ask your administrator for a new one.",
    type: "invalid_request_error",
    param: null,
    code: "invalid_api_key",
  },
};
const CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "font-src 'self'",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join("; ");

interface Day {
  date: string;
  requests: number;
  inputs: number;
  tokens_computed: number;
  tokens_cached: number;
  estimated_cost_usd: number;
  estimated_savings_usd: number;
}

// Presentation the page promises (en-US grouping, dollars to at most 6 decimals, one decimal
// of percent), written out here rather than taken from console/format.ts.
const int = (n: number) => n.toLocaleString("en-US");
const usd = (n: number) =>
  n.toLocaleString("en-US", {
    style: "currency",
    currency: "USD",
    minimumFractionDigits: 2,
    maximumFractionDigits: 6,
  });
const pct = (computed: number, cached: number) =>
  computed + cached === 0
    ? "–"
    : `${((cached / (computed + cached)) * 100).toFixed(1)}%`;
const dayOffset = (days: number) =>
  new Date(Date.now() + days * 86_400_000).toISOString().slice(0, 10);

let standin: Standin;
let edge: TestEdge;
let other: { port: number; close(): Promise<void> };
let browser: Browser;
let tenant: TestTenant;
let tokensPerPass = 0;
/** Tokens of the one request made with the key created in the console. */
let copiedKeyTokens = 0;
const recorder: Recorder = { requests: [], errors: [] };
const contexts: BrowserContext[] = [];

const embed = (key: string, input: unknown = INPUTS) =>
  edge.fetch("/v1/embeddings", {
    method: "POST",
    headers: {
      authorization: `Bearer ${key}`,
      "content-type": "application/json",
    },
    body: JSON.stringify({ model: "Qwen3-Embedding-4B", input }),
  });

async function newPage(viewport = { width: 1280, height: 900 }): Promise<Page> {
  const context = await recordedContext(browser, recorder, { viewport });
  contexts.push(context);
  await context.grantPermissions(["clipboard-read", "clipboard-write"], {
    origin: edge.url,
  });
  return context.newPage();
}

async function signIn(
  page: Page,
  role: "tenant" | "operator",
  token: string,
): Promise<void> {
  await page.goto(`${edge.url}/console`);
  await page
    .getByLabel(
      role === "tenant" ? "a tenant (API key)" : "the operator (admin token)",
    )
    .check();
  await page.getByLabel("API key or admin token").fill(token);
  await page.getByRole("button", { name: "Sign in" }).click();
  await page.waitForSelector(`[data-view=${role}]`);
}

/** The text of every cell of `selector`'s body rows. */
const tableRows = (page: Page, selector: string) =>
  page.$$eval(`${selector} tbody tr`, (rows) =>
    rows.map((row) =>
      Array.from(row.querySelectorAll("td"), (td) => td.textContent ?? ""),
    ),
  );

/** The legend of a chart (label -> value) after its cursor moved with `key`. */
async function legendAfter(
  page: Page,
  chart: string,
  key: string,
): Promise<Record<string, string>> {
  const host = page.locator(`[data-chart=${chart}]`);
  await host.press(key);
  return host.evaluate((el) =>
    Object.fromEntries(
      Array.from(el.querySelectorAll(".u-legend .u-series"), (row) => [
        row.querySelector(".u-label")?.textContent ?? "",
        row.querySelector(".u-value")?.textContent ?? "",
      ]),
    ),
  );
}

beforeAll(async () => {
  other = await otherOriginServer();
  standin = await startStandin({});
  edge = await startEdge({
    gpuUrls: [standin.url],
    vars: { CORS_ALLOWED_ORIGINS: `http://127.0.0.1:${other.port}` },
  });
  tenant = await edge.newTenant({
    name: "Console tenant",
    scopes: [...ALL_SCOPES],
  });
  // The tenant's traffic: the same two inputs twice, computed once, then served from the cache.
  const first = await embed(tenant.apiKey);
  expect(first.status).toBe(200);
  expect(first.headers.get("x-cache")).toBe("hits=0 misses=2");
  tokensPerPass = ((await first.json()) as { usage: { total_tokens: number } })
    .usage.total_tokens;
  const second = await embed(tenant.apiKey);
  expect(second.headers.get("x-cache")).toBe("hits=2 misses=0");
  browser = await launchChromium();
});

afterAll(async () => {
  for (const context of contexts) await context.close();
  await browser?.close();
  await edge?.dispose();
  await standin?.close();
  await other?.close();
});

describe("the pages", () => {
  it("serve /console, /docs and their assets under the strict policy, from this origin only", async () => {
    for (const [path, type] of [
      ["/console", "text/html; charset=UTF-8"],
      ["/docs", "text/html; charset=UTF-8"],
      ["/assets/console.js", "text/javascript"],
      ["/assets/swagger-ui-bundle.js", "text/javascript"],
      ["/assets/console-style.css", "text/css"],
    ] as const) {
      const res = await edge.fetch(path);
      expect([
        path,
        res.status,
        res.headers.get("content-type")?.split(";")[0],
        res.headers.get("content-security-policy"),
      ]).toEqual([path, 200, type.split(";")[0], CSP]);
      expect(res.headers.get("x-content-type-options")).toBe("nosniff");
      const body = await res.text();
      if (type.startsWith("text/html")) {
        // No inline script; every script, style and link on this origin.
        expect(/<script(?![^>]*\bsrc=)[^>]*>/.test(body)).toBe(false);
        // Same-origin paths, fragments, and data: URLs (the empty favicon), which fetch nothing.
        expect(/(src|href)="(?![/#]|data:)/.test(body)).toBe(false);
      }
    }
    const missing = await edge.fetch("/assets/..%2Fworker.mjs");
    expect(missing.status).toBe(404);
  });
});

describe("tenant view", () => {
  let page: Page;

  it("signs in with an API key kept in sessionStorage only, and the chart and table equal /v1/usage", async () => {
    page = await newPage();
    await signIn(page, "tenant", tenant.apiKey);
    const stored = await page.evaluate(() => ({
      session: Object.keys(sessionStorage),
      local: localStorage.length,
      cookie: document.cookie,
      url: location.href,
    }));
    expect(stored).toEqual({
      session: ["console.session"],
      local: 0,
      cookie: "",
      url: `${edge.url}/console`,
    });

    // /v1/usage holds what the traffic above made: today 2 requests, 4 inputs, the tokens
    // of one pass computed and of one pass served from the cache. Metering is
    // group-committed, so the figures are awaited.
    const today = dayOffset(0);
    const report = await until("usage metered", 10_000, async () => {
      const res = await edge.fetch(
        `/v1/usage?from=${dayOffset(1 - DAYS)}&to=${today}`,
        {
          headers: { authorization: `Bearer ${tenant.apiKey}` },
        },
      );
      const body = (await res.json()) as { data: Day[] };
      return body.data.at(-1)?.requests === 2 ? body : undefined;
    });
    const todayRow = report.data.at(-1)!;
    expect([
      todayRow.date,
      todayRow.requests,
      todayRow.inputs,
      todayRow.tokens_computed,
      todayRow.tokens_cached,
    ]).toEqual([today, 2, 4, tokensPerPass, tokensPerPass]);
    expect(report.data.map((d) => d.date)).toEqual(
      Array.from({ length: DAYS }, (_, i) => dayOffset(i + 1 - DAYS)),
    );

    await page.reload();
    await page.waitForSelector("[data-section=usage] table.usage-table");
    // Newest day first.
    const expectedRows = [...report.data]
      .reverse()
      .map((d) => [
        d.date,
        int(d.requests),
        int(d.inputs),
        int(d.tokens_computed),
        int(d.tokens_cached),
        pct(d.tokens_computed, d.tokens_cached),
        usd(d.estimated_cost_usd),
        usd(d.estimated_savings_usd),
      ]);
    expect(
      await tableRows(page, "[data-section=usage] table.usage-table"),
    ).toEqual(expectedRows);
    expect(expectedRows[0]!.slice(0, 6)).toEqual([
      today,
      "2",
      "4",
      int(tokensPerPass),
      int(tokensPerPass),
      "50.0%",
    ]);

    // The charts' own legends, stepped day by day with the keyboard.
    for (let i = 0; i < DAYS; i++) {
      const d = report.data[i]!;
      const tokens = await legendAfter(
        page,
        "tokens",
        i === 0 ? "Home" : "ArrowRight",
      );
      expect(tokens).toEqual({
        Date: d.date,
        "Tokens from cache": int(d.tokens_cached),
        "Tokens computed": int(d.tokens_computed),
      });
      const requests = await legendAfter(
        page,
        "requests",
        i === 0 ? "Home" : "ArrowRight",
      );
      expect(requests).toEqual({
        Date: d.date,
        Requests: int(d.requests),
        "Hit rate": pct(d.tokens_computed, d.tokens_cached),
      });
    }
    await screenshot(page, "console-tenant");
  });

  it("creates a key, whose Copy button puts a working key on the clipboard, and revokes it (401 within 5 s)", async () => {
    await page.getByLabel("Name (optional)").fill("made in the console");
    await page.getByRole("button", { name: "Create key" }).click();
    const shown = await page.locator(".secret-box input").inputValue();
    await page
      .locator(".secret-box")
      .getByRole("button", { name: "Copy" })
      .click();
    await page.getByText("Copied to the clipboard.").waitFor();
    const copied = await page.evaluate(() => navigator.clipboard.readText());
    expect(copied).toBe(shown);
    expect(copied).toMatch(/^sk_live_[A-Za-z0-9]+_[A-Za-z0-9_-]+$/);

    const ok = await embed(copied, "made with the copied key");
    expect(ok.status).toBe(200);
    copiedKeyTokens = ((await ok.json()) as { usage: { total_tokens: number } })
      .usage.total_tokens;

    const keyId = copied.split("_")[2]!;
    await page
      .locator(`[data-section=keys] tbody tr`, {
        hasText: "made in the console",
      })
      .getByText("active")
      .waitFor();
    page.once("dialog", (dialog) => void dialog.accept());
    await page.locator(`[data-revoke="${keyId}"]`).click();
    await page
      .locator(`[data-section=keys] tbody tr`, {
        hasText: "made in the console",
      })
      .getByText("revoked")
      .waitFor();
    // Polled with GET /v1/models, which meters nothing, so the month's figures below stay exact.
    const refused = await until("the revoked key refused", 5_000, async () => {
      const res = await edge.fetch("/v1/models", {
        headers: { authorization: `Bearer ${copied}` },
      });
      return res.status === 401 ? res : undefined;
    });
    expect(await refused.json()).toEqual(BAD_KEY);
  });

  it("shows the suspension an operator makes", async () => {
    // The tenant's month so far: its two passes and the copied key's request, once metered.
    const monthTokens = 2 * tokensPerPass + copiedKeyTokens;
    await until("the month's usage metered", 10_000, async () => {
      const res = await edge.admin("GET", `/tenants/${tenant.tenantId}/usage`);
      const totals = ((await res.json()) as { totals: Day }).totals;
      return totals.tokens_computed + totals.tokens_cached === monthTokens
        ? true
        : undefined;
    });
    const plan = (
      (await (
        await edge.admin("GET", `/tenants/${tenant.tenantId}`)
      ).json()) as {
        plan: {
          requests_per_minute: number;
          tokens_per_minute: number;
          tokens_per_month: number;
        };
      }
    ).plan;

    const operator = await newPage();
    await signIn(operator, "operator", TEST_ADMIN_TOKEN);
    const row = operator.locator("[data-section=tenants] tbody tr", {
      hasText: tenant.tenantId,
    });
    await row.waitFor();
    expect(await row.locator("td").allTextContents()).toEqual([
      "Console tenant",
      tenant.tenantId,
      "active",
      `${int(plan.requests_per_minute)} rpm · ${int(plan.tokens_per_minute)} tpm`,
      `${int(monthTokens)} / ${int(plan.tokens_per_month)}`,
    ]);
    await operator.locator(`[data-open-tenant="${tenant.tenantId}"]`).click();
    await operator.waitForSelector("[data-section=tenant] table.usage-table");
    await screenshot(operator, "console-operator");

    operator.once("dialog", (dialog) => void dialog.accept());
    await operator.locator("[data-action=suspend]").click();
    await operator.waitForSelector(
      "[data-section=tenant] strong[data-status=suspended]",
    );
    expect(
      (
        (await edge
          .admin("GET", `/tenants/${tenant.tenantId}`)
          .then((r) => r.json())) as {
          status: string;
        }
      ).status,
    ).toBe("suspended");

    await until("the tenant's page shows the suspension", 10_000, async () => {
      await page.reload();
      await page.waitForSelector(
        "[data-section=account] .section-body[aria-busy=false]",
      );
      return (await page
        .locator("[data-banner] [data-tenant-status=suspended]")
        .count()) > 0
        ? true
        : undefined;
    });
    expect(await page.locator("[data-banner]").textContent()).toBe(
      "This tenant is suspended: its API keys are refused until an operator reactivates it.",
    );
    await screenshot(page, "console-tenant-suspended");
  });

  it("is readable on a phone-sized screen: no sideways scrolling in either view", async () => {
    const phoneTenant = await edge.newTenant({
      name: "Phone tenant",
      scopes: [...ALL_SCOPES],
    });
    expect((await embed(phoneTenant.apiKey)).status).toBe(200);
    const overflow = (p: Page) =>
      p.evaluate(
        () =>
          document.documentElement.scrollWidth -
          document.documentElement.clientWidth,
      );

    const tenantPhone = await newPage({ width: 390, height: 844 });
    await signIn(tenantPhone, "tenant", phoneTenant.apiKey);
    await tenantPhone.waitForSelector("[data-section=usage] table.usage-table");
    await tenantPhone.waitForSelector("[data-section=keys] table");
    expect(await overflow(tenantPhone)).toBe(0);
    await tenantPhone.locator("[data-section=usage]").scrollIntoViewIfNeeded();
    await screenshot(tenantPhone, "console-tenant-phone", false);

    const operatorPhone = await newPage({ width: 390, height: 844 });
    await signIn(operatorPhone, "operator", TEST_ADMIN_TOKEN);
    await operatorPhone
      .locator(`[data-open-tenant="${phoneTenant.tenantId}"]`)
      .click();
    await operatorPhone.waitForSelector(
      "[data-section=tenant] table.usage-table",
    );
    expect(await overflow(operatorPhone)).toBe(0);
    await screenshot(operatorPhone, "console-operator-phone", false);
  });
});

describe("cross-origin calls", () => {
  const call = (page: Page, url: string, key: string) =>
    page.evaluate(
      async ({ url, key }) => {
        try {
          const res = await fetch(url, {
            method: "POST",
            headers: {
              authorization: `Bearer ${key}`,
              "content-type": "application/json",
            },
            body: JSON.stringify({
              model: "Qwen3-Embedding-4B",
              input: "from a browser",
            }),
          });
          return {
            status: res.status,
            requestId: res.headers.get("x-request-id") !== null,
            object: ((await res.json()) as { object: string }).object,
          };
        } catch (error) {
          return { error: String(error) };
        }
      },
      { url, key },
    );

  it("follow CORS_ALLOWED_ORIGINS: an allowed origin reads the answer, another one is refused by the browser", async () => {
    const key = (await edge.newTenant({ name: "cors" })).apiKey;
    // Its own recorder: Chromium logs the refused call as an error, which is the point here.
    const context = await recordedContext(browser, {
      requests: [],
      errors: [],
    });
    contexts.push(context);
    const page = await context.newPage();
    await page.goto(`http://127.0.0.1:${other.port}/`);
    expect(await call(page, `${edge.url}/v1/embeddings`, key)).toEqual({
      status: 200,
      requestId: true,
      object: "list",
    });
    await page.goto(`http://localhost:${other.port}/`);
    expect(await call(page, `${edge.url}/v1/embeddings`, key)).toEqual({
      error: "TypeError: Failed to fetch",
    });
  });
});

describe("/docs", () => {
  it("renders every operation of /openapi.json and its 'Try it out' calls the local stack", async () => {
    const spec = (await (await edge.fetch("/openapi.json")).json()) as {
      paths: Record<string, Record<string, unknown>>;
    };
    const operations = Object.entries(spec.paths)
      .flatMap(([path, methods]) =>
        Object.keys(methods).map((m) => `${m.toUpperCase()} ${path}`),
      )
      .sort();
    expect(operations).toContain("POST /v1/embeddings");

    const page = await newPage();
    await page.goto(`${edge.url}/docs`);
    await page.waitForSelector(".opblock");
    const rendered = await page.$$eval(".opblock", (blocks) =>
      blocks.map(
        (b) =>
          `${b.querySelector(".opblock-summary-method")?.textContent ?? ""} ${b.querySelector(".opblock-summary-path")?.getAttribute("data-path") ?? ""}`,
      ),
    );
    expect([...new Set(rendered)].sort()).toEqual(operations);

    const key = (await edge.newTenant({ name: "docs" })).apiKey;
    await page.locator(".auth-wrapper .authorize").click();
    const bearer = page.locator(".modal-ux .auth-container", {
      hasText: "bearerAuth",
    });
    await bearer.locator("input").fill(key);
    await bearer.locator(".auth-btn-wrapper .authorize").click();
    await page.locator(".modal-ux .btn-done").first().click();
    const models = page
      .locator(".opblock", {
        has: page.locator('.opblock-summary-path[data-path="/v1/models"]'),
      })
      .first();
    await models.locator(".opblock-summary").click();
    await models.locator(".try-out__btn").click();
    await models.locator(".execute").click();
    const status = models
      .locator(".live-responses-table tbody .response-col_status")
      .first();
    await status.waitFor();
    expect((await status.textContent())?.trim()).toBe("200");
    expect(
      await models
        .locator(".live-responses-table .microlight, .live-responses-table pre")
        .first()
        .textContent(),
    ).toContain('"Qwen3-Embedding-4B"');
    await screenshot(page, "docs");
  });
});

describe("all pages", () => {
  it("made no request to another origin and logged no error (no CSP refusal, no script error)", () => {
    expect(recorder.requests.length).toBeGreaterThan(20);
    expect([
      ...new Set(recorder.requests.map((u) => new URL(u).origin)),
    ]).toEqual([edge.url]);
    expect(recorder.errors).toEqual([]);
  });
});
