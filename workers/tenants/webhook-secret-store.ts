/**
 * Tenants' Standard Webhooks signing secrets, in Upstash Redis beside the tenant
 * (redis-layout.ts). Unlike API keys they are stored as they are: an HMAC needs the
 * secret itself. A secret leaves this store only in a rotation's answer (once, for the
 * tenant) and through `webhookSecrets` (for signing and verifying); the view the admin
 * API shows never holds one. A rotated-out secret stays valid for a grace period so a
 * tenant can switch its side over without dropping webhooks; a second rotation within
 * that period ends the older secret's grace at once (one previous secret, not a chain).
 */
import type { z } from "@hono/zod-openapi";
import type { Redis } from "@upstash/redis/cloudflare";
import type {
  RotatedWebhookSecretSchema,
  WebhookSecretInfoSchema,
} from "./admin-schemas";
import { newWebhookSecret } from "../webhooks/standard-webhooks";
import { isTenantId } from "./ids";
import { webhookSecretsFrom } from "./records";
import { guardRedis } from "./redis-failure";
import { tenantKey, tenantWebhookSecretsKey } from "./redis-layout";
import { ROTATE_WEBHOOK_SECRET_SCRIPT } from "./store-scripts";
import type { WebhookSecretsRecord } from "./records";
import {
  DEFAULT_WEBHOOK_GRACE_SECONDS,
  MAX_WEBHOOK_GRACE_SECONDS,
} from "../webhooks/secret-format";

export type WebhookSecretRedis = Pick<Redis, "get" | "eval">;

export interface WebhookSecretStoreOptions {
  now?: () => Date;
}

export interface RotateWebhookSecretOptions {
  /** How long the replaced secret still verifies: 0 ends it at once. Default 24 h, at most 7 days. */
  graceSeconds?: number;
}

/**
 * A rotation's answer: the new secret, returned this once. The admin and self-service
 * routes answer it under `object` and `tenant_id` (admin-schemas.ts has the one schema).
 */
export type RotatedWebhookSecret = Omit<
  z.infer<typeof RotatedWebhookSecretSchema>,
  "object" | "tenant_id"
>;

/** What the admin API shows (never a secret), from the same schema file. */
export type WebhookSecretView = Omit<
  z.infer<typeof WebhookSecretInfoSchema>,
  "object" | "tenant_id"
>;

export class WebhookSecretStore {
  private readonly now: () => Date;

  constructor(
    private readonly redis: WebhookSecretRedis,
    options: WebhookSecretStoreOptions = {},
  ) {
    this.now = options.now ?? (() => new Date());
  }

  /**
   * A new secret (crypto.getRandomValues), current from now on; the one it replaces
   * becomes the previous secret until now + grace. One Lua script, so concurrent
   * rotations serialize: the last one's secret is current, the one before it previous.
   * null (nothing written) when there is no such tenant.
   */
  rotateWebhookSecret(
    tenantId: string,
    options: RotateWebhookSecretOptions = {},
  ): Promise<RotatedWebhookSecret | null> {
    const grace = options.graceSeconds ?? DEFAULT_WEBHOOK_GRACE_SECONDS;
    if (
      !Number.isInteger(grace) ||
      grace < 0 ||
      grace > MAX_WEBHOOK_GRACE_SECONDS
    ) {
      return Promise.reject(
        new RangeError(
          `graceSeconds must be an integer from 0 to ${MAX_WEBHOOK_GRACE_SECONDS}`,
        ),
      );
    }
    if (!isTenantId(tenantId)) return Promise.resolve(null);
    const now = this.now();
    const previousExpiresAt =
      grace === 0 ? "" : new Date(now.getTime() + grace * 1000).toISOString();
    const keys = [tenantKey(tenantId), tenantWebhookSecretsKey(tenantId)];
    return guardRedis("rotate_webhook_secret", async () => {
      const written = webhookSecretsFrom(
        await this.redis.eval(ROTATE_WEBHOOK_SECRET_SCRIPT, keys, [
          newWebhookSecret(),
          now.toISOString(),
          previousExpiresAt,
        ]),
      );
      if (written === null) return null;
      return {
        secret: written.current.secret,
        created_at: written.current.created_at,
        previous_expires_at: written.previous?.expires_at ?? null,
      };
    });
  }

  /**
   * The secrets that verify the tenant's webhooks now (and sign ours), current first,
   * then the previous one while its grace period lasts. [] when it has none, or there
   * is no such tenant: a webhook then verifies with nothing.
   */
  webhookSecrets(tenantId: string): Promise<string[]> {
    if (!isTenantId(tenantId)) return Promise.resolve([]);
    return guardRedis("get_webhook_secrets", async () => {
      const record = webhookSecretsFrom(
        await this.redis.get(tenantWebhookSecretsKey(tenantId)),
      );
      if (record === null) return [];
      const previous = this.livePrevious(record);
      return previous === undefined
        ? [record.current.secret]
        : [record.current.secret, previous.secret];
    });
  }

  /** Whether the tenant has a secret and since when; null when there is no such tenant. */
  webhookSecretView(tenantId: string): Promise<WebhookSecretView | null> {
    if (!isTenantId(tenantId)) return Promise.resolve(null);
    return guardRedis("get_webhook_secret_view", async () => {
      const [tenant, stored] = await Promise.all([
        this.redis.get(tenantKey(tenantId)),
        this.redis.get(tenantWebhookSecretsKey(tenantId)),
      ]);
      if (tenant === null) return null;
      const record = webhookSecretsFrom(stored);
      if (record === null)
        return {
          has_secret: false,
          created_at: null,
          previous_expires_at: null,
        };
      return {
        has_secret: true,
        created_at: record.current.created_at,
        previous_expires_at: this.livePrevious(record)?.expires_at ?? null,
      };
    });
  }

  /** The previous secret while now is before its expiry. */
  private livePrevious(
    record: WebhookSecretsRecord,
  ): WebhookSecretsRecord["previous"] {
    const previous = record.previous;
    return previous !== undefined &&
      this.now().getTime() < Date.parse(previous.expires_at)
      ? previous
      : undefined;
  }
}
