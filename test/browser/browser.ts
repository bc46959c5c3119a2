/**
 * Debian's Chromium (`apt-get install chromium`, /usr/bin/chromium; CHROMIUM_PATH
 * overrides) driven by playwright-core, for the console and /docs tests, with what they
 * check around the pages: every request a browser context makes, every console error
 * and uncaught exception, and screenshots saved under test-artifacts/.
 */
import { mkdirSync } from "node:fs";
import { createServer, type Server } from "node:http";
import path from "node:path";
import {
  chromium,
  type Browser,
  type BrowserContext,
  type Page,
} from "playwright-core";
import { REPO_ROOT } from "../../infra/local/build-worker";

export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";
export const ARTIFACTS_DIR = path.join(REPO_ROOT, "test-artifacts");

/**
 * Headless Chromium; `--no-sandbox` because CI runs as root, where Chromium's sandbox
 * refuses to start.
 */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM_PATH,
    headless: true,
    args: ["--no-sandbox"],
  });
}

/** What a context did: the URL of every request and every console error or page exception. */
export interface Recorder {
  requests: string[];
  errors: string[];
}

/** A fresh context (its own sessionStorage) that records into `recorder`. */
export async function recordedContext(
  browser: Browser,
  recorder: Recorder,
  options: Parameters<Browser["newContext"]>[0] = {},
): Promise<BrowserContext> {
  const context = await browser.newContext(options);
  context.on("request", (request) => recorder.requests.push(request.url()));
  context.on("page", (page) => watchPage(page, recorder));
  return context;
}

function watchPage(page: Page, recorder: Recorder): void {
  page.on("pageerror", (error) =>
    recorder.errors.push(`pageerror: ${error.message}`),
  );
  page.on("console", (message) => {
    // A refused request (401, 403) is logged by Chromium as "Failed to load resource"; the
    // pages expect and show those. Anything else logged as an error (a CSP refusal, a
    // script error) is a failure.
    if (
      message.type() === "error" &&
      !message.text().startsWith("Failed to load resource")
    )
      recorder.errors.push(message.text());
  });
  // ...but a page, script, stylesheet or image that fails to load is a failure (a
  // missing asset). The pages name an empty favicon, so browsers ask for none.
  page.on("response", (response) => {
    const kind = response.request().resourceType();
    if (response.status() >= 400 && kind !== "fetch" && kind !== "xhr")
      recorder.errors.push(
        `${response.status()} for ${kind} ${response.url()}`,
      );
  });
}

/**
 * Saves a screenshot (the full page unless `fullPage` is false) as
 * test-artifacts/`name`.png; returns its path.
 */
export async function screenshot(
  page: Page,
  name: string,
  fullPage = true,
): Promise<string> {
  mkdirSync(ARTIFACTS_DIR, { recursive: true });
  const file = path.join(ARTIFACTS_DIR, `${name}.png`);
  await page.screenshot({ path: file, fullPage });
  return file;
}

/**
 * Retries `check` until it returns a value other than undefined, or throws naming `what`
 * once `timeoutMs` has passed.
 */
export async function until<T>(
  what: string,
  timeoutMs: number,
  check: () => Promise<T | undefined>,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline)
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/**
 * A local web server on its own port (any host name), answering every GET with an empty
 * page: another origin for the CORS checks.
 */
export async function otherOriginServer(): Promise<{
  port: number;
  close(): Promise<void>;
}> {
  const server: Server = createServer((_req, res) => {
    res.writeHead(200, { "content-type": "text/html; charset=utf-8" });
    res.end(
      "<!doctype html><title>another origin</title><p>another origin</p>",
    );
  });
  await new Promise<void>((resolve) => server.listen(0, resolve));
  const address = server.address();
  const port = typeof address === "object" && address ? address.port : 0;
  return {
    port,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
