/**
 * Security headers for the HTML pages and their assets (`/console`, `/docs`,
 * `/assets/*`): a strict Content-Security-Policy (scripts, styles, fonts and API calls
 * from this origin only; no inline script, no eval, no framing), plus hono's
 * `secureHeaders` defaults (nosniff, no-referrer, frame denial). The console keeps its
 * credential in sessionStorage, so the policy's job is to make sure no injected or
 * third-party script can ever run on these pages to read it.
 *
 * `img-src data:`: swagger-ui-dist 5.32.0's stylesheet draws its icons as `data:` SVG
 * URLs (swagger-ui.css); images cannot run code. Styles set through the CSSOM
 * (`element.style`, what uPlot and React do) are not governed by `style-src`, so no
 * `'unsafe-inline'` is needed anywhere.
 */
import { secureHeaders } from "hono/secure-headers";
import type { MiddlewareHandler } from "hono";
import type { AppEnv } from "../app-env";

/** The policy, also asserted verbatim by the tests. */
export const PAGE_CSP_DIRECTIVES = {
  defaultSrc: ["'none'"],
  scriptSrc: ["'self'"],
  styleSrc: ["'self'"],
  imgSrc: ["'self'", "data:"],
  fontSrc: ["'self'"],
  connectSrc: ["'self'"],
  baseUri: ["'none'"],
  formAction: ["'none'"],
  frameAncestors: ["'none'"],
};

/** Middleware for page and asset routes: the CSP above and hono's secure defaults. */
export function pageSecurity(): MiddlewareHandler<AppEnv> {
  return secureHeaders({
    contentSecurityPolicy: PAGE_CSP_DIRECTIVES,
    referrerPolicy: "no-referrer",
    crossOriginResourcePolicy: "same-origin",
    // The legacy header says what frame-ancestors 'none' says, for browsers without CSP 2.
    xFrameOptions: "DENY",
  });
}
