/**
 * Node-side type checking of Worker modules that unit tests import (e.g. the
 * composition root, workers/services.ts): workerd's Cache API has a `default` cache,
 * which the DOM lib does not declare. Only types; the tests never call it.
 */
interface CacheStorage {
  readonly default: Cache;
}
