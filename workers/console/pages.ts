/**
 * The HTML shells of `/console` and `/docs`. They hold no data and no inline script:
 * each loads one bundled script and its stylesheet from `/assets/` (built by
 * infra/local/build-assets.ts), which does the rest in the browser.
 */

/** The console: a sign-in form; /assets/console.js renders the tenant or operator view. */
export const CONSOLE_HTML = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Console · Qwen3-Embedding-4B API</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="/assets/console-style.css">
<script type="module" src="/assets/console.js"></script>
</head>
<body>
<a class="skip" href="#main">Skip to content</a>
<header class="top">
<h1>Embeddings console</h1>
<nav aria-label="Links"><a href="/docs">API docs</a></nav>
</header>
<main id="main" tabindex="-1">
<noscript><p>The console needs JavaScript.</p></noscript>
</main>
</body>
</html>
`;

/** Interactive API docs: Swagger UI (swagger-ui-dist, pinned) over `/openapi.json`. */
export const DOCS_HTML = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>API docs · Qwen3-Embedding-4B API</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="/assets/swagger-ui.css">
<script src="/assets/swagger-ui-bundle.js" defer></script>
<script type="module" src="/assets/docs.js"></script>
</head>
<body>
<main id="swagger-ui" data-spec-url="/openapi.json"></main>
</body>
</html>
`;
