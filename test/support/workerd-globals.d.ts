/**
 * Node-side type checking of Worker modules that unit tests import (e.g. the
 * composition root, workers/services.ts): workerd's Cache API has a `default` cache,
 * which the DOM lib does not declare. Only types; the tests never call it.
 */
interface CacheStorage {
  readonly default: Cache;
}

/**
 * The Worker's bindings type, generated into worker-configuration.d.ts for the Worker
 * build only; empty here so Node-side checks of modules that name `AppEnv`
 * (middleware tested in a plain Hono app) compile. Tests never read bindings through it.
 */
// A merge target for the real bindings, so empty on purpose.
// eslint-disable-next-line @typescript-eslint/no-empty-object-type
interface Env {}
