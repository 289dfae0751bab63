import { createCipheriv, createDecipheriv, createHmac, randomBytes } from 'node:crypto';

// Endpoint signing secrets. The registry must sign with a secret, so it cannot keep only a hash:
// each is stored encrypted (AES-256-GCM under WEBHOOK_SECRETS_KEY), bound to its endpoint's id,
// so a copy of the database alone reveals no secret and a sealed secret moved onto another
// endpoint does not open. The clear secret is returned once, when it is made.

const PREFIX = 'whsec_';
const VERSION = 1;
const IV_BYTES = 12;
const TAG_BYTES = 16;

/** A new secret in the Standard Webhooks form: whsec_ and 32 random bytes in base64. */
export function newSecret(): string {
  return `${PREFIX}${randomBytes(32).toString('base64')}`;
}

export function sealSecret(key: Buffer, endpointId: string, secret: string): Buffer {
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  cipher.setAAD(Buffer.from(endpointId));
  const body = Buffer.concat([cipher.update(secret, 'utf8'), cipher.final()]);
  return Buffer.concat([Buffer.from([VERSION]), iv, cipher.getAuthTag(), body]);
}

/** The secret, or null when the key is not the one it was sealed with (or the bytes are damaged). */
export function openSecret(key: Buffer, endpointId: string, sealed: Buffer): string | null {
  if (sealed.length < 1 + IV_BYTES + TAG_BYTES || sealed[0] !== VERSION) return null;
  try {
    const decipher = createDecipheriv('aes-256-gcm', key, sealed.subarray(1, 1 + IV_BYTES));
    decipher.setAAD(Buffer.from(endpointId));
    decipher.setAuthTag(sealed.subarray(1 + IV_BYTES, 1 + IV_BYTES + TAG_BYTES));
    return Buffer.concat([decipher.update(sealed.subarray(1 + IV_BYTES + TAG_BYTES)), decipher.final()]).toString('utf8');
  } catch {
    return null;
  }
}

/**
 * The webhook-signature header: one `v1,<base64 HMAC-SHA256>` of "{id}.{timestamp}.{body}" per
 * secret, space-separated (a rotated-out secret signs beside the new one during its grace period).
 */
export function signatureHeader(secrets: string[], id: string, timestamp: number, body: string): string {
  const content = `${id}.${timestamp}.${body}`;
  return secrets
    .map(
      (secret) =>
        `v1,${createHmac('sha256', Buffer.from(secret.slice(PREFIX.length), 'base64'))
          .update(content)
          .digest('base64')}`,
    )
    .join(' ');
}
