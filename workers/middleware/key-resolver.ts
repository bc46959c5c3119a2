/** Which KeyResolver the deployment uses: the static `API_KEYS` list until tenancy lands. */
import { configFrom } from "../env";
import type { KeyResolver } from "./auth";
import { staticKeyResolver } from "./static-keys";

export function keyResolverFor(env: Env): KeyResolver {
  return staticKeyResolver(configFrom(env).apiKeys);
}
