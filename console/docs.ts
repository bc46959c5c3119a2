/**
 * Starts Swagger UI (swagger-ui-dist 5.32.0, loaded by /docs from /assets/) on the spec
 * URL the page names. This is the initialiser swagger-ui-dist's own index.html inlines,
 * moved to a file so the page runs under `script-src 'self'`.
 */

interface SwaggerUIBundleFn {
  (options: {
    url: string;
    dom_id: string;
    deepLinking: boolean;
    tryItOutEnabled: boolean;
    persistAuthorization: boolean;
  }): unknown;
}

const globals = globalThis as unknown as {
  SwaggerUIBundle?: SwaggerUIBundleFn;
};

function start(): void {
  const host = document.getElementById("swagger-ui");
  const ui = globals.SwaggerUIBundle;
  if (!host || !ui) return;
  // persistAuthorization stays off: it would put the token in localStorage.
  ui({
    url: host.dataset.specUrl ?? "/openapi.json",
    dom_id: "#swagger-ui",
    deepLinking: true,
    tryItOutEnabled: false,
    persistAuthorization: false,
  });
}

// The bundle is a classic deferred script, and module scripts run after deferred ones.
start();
