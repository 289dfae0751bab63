// Checking a webhook delivery as Standard Webhooks describes it, for receivers. Web Crypto only,
// so it runs in Node 20+, browsers' service workers and edge runtimes alike.

const PREFIX = 'whsec_';
/** Deliveries signed longer ago (or further ahead) than this are refused: a replay window of 5 minutes. */
export const DEFAULT_TOLERANCE_SECONDS = 300;

export interface VerifyWebhookOptions {
  /** How far `webhook-timestamp` may be from now, in seconds. Default 300. */
  toleranceSeconds?: number;
  /** The current time in milliseconds (Date.now by default). */
  now?: () => number;
}

/** Node's `request.headers`, a fetch `Headers`, or any record of header names (any case) to values. */
export type WebhookHeaders = Headers | Record<string, string | string[] | undefined>;

function header(headers: WebhookHeaders, name: string): string | null {
  if (typeof (headers as Headers).get === 'function') return (headers as Headers).get(name);
  for (const [key, value] of Object.entries(headers as Record<string, string | string[] | undefined>)) {
    if (key.toLowerCase() === name) return (Array.isArray(value) ? value[0] : value) ?? null;
  }
  return null;
}

function base64Bytes(text: string): Uint8Array<ArrayBuffer> | null {
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(text) || text.length % 4 !== 0) return null;
  const binary = atob(text);
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes;
}

function secretKey(secret: string): Promise<CryptoKey> {
  const bytes = base64Bytes(secret.startsWith(PREFIX) ? secret.slice(PREFIX.length) : secret);
  if (!bytes || bytes.length === 0) throw new TypeError('verifyWebhook: the secret must be whsec_ and base64, as the registry gave it');
  return crypto.subtle.importKey('raw', bytes, { name: 'HMAC', hash: 'SHA-256' }, false, ['verify']);
}

/**
 * True when a delivery is genuine: `webhook-signature` holds a `v1,` HMAC-SHA256 of
 * `{webhook-id}.{webhook-timestamp}.{body}` under the secret (or one of the secrets, while a rotation
 * lasts), and `webhook-timestamp` is within the tolerance of now. `body` is the request body exactly
 * as received, before any JSON parsing. Deduplicate accepted deliveries by `webhook-id`.
 */
export async function verifyWebhook(
  secret: string | readonly string[],
  headers: WebhookHeaders,
  body: string | Uint8Array,
  options: VerifyWebhookOptions = {},
): Promise<boolean> {
  const keys = await Promise.all((typeof secret === 'string' ? [secret] : secret).map(secretKey));
  const id = header(headers, 'webhook-id');
  const timestamp = header(headers, 'webhook-timestamp');
  const signatures = header(headers, 'webhook-signature');
  if (!id || !timestamp || !signatures || !/^\d{1,12}$/.test(timestamp)) return false;
  const now = (options.now ?? Date.now)() / 1000;
  if (Math.abs(now - Number(timestamp)) > (options.toleranceSeconds ?? DEFAULT_TOLERANCE_SECONDS)) return false;

  const prefix = new TextEncoder().encode(`${id}.${timestamp}.`);
  const payload = typeof body === 'string' ? new TextEncoder().encode(body) : body;
  const signed = new Uint8Array(prefix.length + payload.length);
  signed.set(prefix);
  signed.set(payload, prefix.length);

  for (const entry of signatures.split(' ')) {
    const [version, value] = entry.split(',', 2);
    const given = version === 'v1' && value ? base64Bytes(value) : null;
    if (!given) continue;
    // subtle.verify compares in constant time.
    for (const key of keys) if (await crypto.subtle.verify('HMAC', key, given, signed)) return true;
  }
  return false;
}
