/**
 * The local stack's development tenant: created through the tenancy store itself (the
 * same code the Worker runs), with DEV_API_KEY as its key when given (it must have the
 * key format) or a fresh key otherwise. A DEV_API_KEY that already exists in the
 * database (a real Upstash given by UPSTASH_REDIS_REST_URL) is reused as it is.
 */
import { Redis } from "@upstash/redis";
import { parseApiKey } from "../../workers/tenants/key-format";
import { TenantStore } from "../../workers/tenants/store";

export interface DevTenant {
  tenantId: string;
  apiKey: string;
  reused: boolean;
}

export async function seedDevTenant(
  upstash: { url: string; token: string },
  devApiKey: string | undefined,
): Promise<DevTenant> {
  const parsed = devApiKey === undefined ? null : parseApiKey(devApiKey);
  if (devApiKey !== undefined && parsed === null) {
    throw new Error(
      "DEV_API_KEY must look like sk_test_<16 letters or digits>_<32 letters or digits> (unset it to get a random one)",
    );
  }
  const store = new TenantStore(
    new Redis({ url: upstash.url, token: upstash.token }),
    { keyEnv: parsed?.env ?? "test" },
  );
  if (parsed) {
    const existing = await store.getKey(parsed.publicId);
    if (existing)
      return { tenantId: existing.tenant_id, apiKey: devApiKey!, reused: true };
  }
  const tenant = await store.createTenant({ name: "development" });
  const created = parsed
    ? await store.importKey(tenant.id, devApiKey!, { name: "DEV_API_KEY" })
    : await store.createKey(tenant.id, { name: "development" });
  if (!created) throw new Error("could not create the development key");
  return { tenantId: tenant.id, apiKey: created.key, reused: false };
}
