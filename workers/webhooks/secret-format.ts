/**
 * A Standard Webhooks signing secret as we issue it (`whsec_` and the standard base64 of
 * 32 random bytes: 43 characters and one `=`), and how long a replaced one keeps
 * verifying after a rotation. Its own module so the tenancy records, the admin schemas
 * (and the console's types) can name them without the signing code.
 */
export const WEBHOOK_SECRET_PATTERN = /^whsec_[A-Za-z0-9+/]{43}=$/;

/** Seconds a replaced secret still verifies unless the rotation says otherwise: one day. */
export const DEFAULT_WEBHOOK_GRACE_SECONDS = 24 * 60 * 60;
/** The longest grace a rotation may ask for: one week. */
export const MAX_WEBHOOK_GRACE_SECONDS = 7 * 24 * 60 * 60;
