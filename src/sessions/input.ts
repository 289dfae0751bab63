import { canonicalIp } from '../enrich/ip.js';
import type { ClientInput } from '../enrich/types.js';
import { ApiError } from '../errors.js';
import { cleanText, hasFormatCharacter, hasVisibleCharacter } from '../text.js';

// Checks of client input that a JSON schema cannot express, made before anything is derived or stored.

const METADATA_MAX_BYTES = 4096;
const CLIENT_TEXT_MAX = 64;
/** Characters (code points) of a device name, once trimmed. */
export const DEVICE_NAME_MAX = 64;

/** The canonical form of an address given in the body, or a 400 naming the field. */
export function bodyIp(raw: string | undefined, field: string): string | null {
  if (raw === undefined) return null;
  const ip = canonicalIp(raw);
  if (ip === null) {
    throw new ApiError('validation_failed', `${field} is not a valid IP address.`, {
      errors: [{ path: `body/${field}`, message: 'must be a bare IPv4 or IPv6 address' }],
    });
  }
  return ip;
}

/** Metadata as it will be stored: small, and free of the NUL that jsonb refuses. */
export function checkMetadata(metadata: Record<string, unknown> | undefined): Record<string, unknown> {
  const value = metadata ?? {};
  const json = JSON.stringify(value);
  if (Buffer.byteLength(json) > METADATA_MAX_BYTES)
    throw new ApiError('validation_failed', `metadata must serialise to at most ${METADATA_MAX_BYTES} bytes.`);
  if (json.includes('\\u0000')) throw new ApiError('validation_failed', 'metadata must not contain NUL characters.');
  return value;
}

/** A lifetime a login asks for, or a 400 when it is longer than any session may live (SESSION_LIFETIME_LIMIT). */
export function checkLifetime(seconds: number | undefined, field: string, limitSeconds: number): void {
  if (seconds !== undefined && seconds > limitSeconds) {
    throw new ApiError('validation_failed', `${field} must be at most ${limitSeconds} seconds (SESSION_LIFETIME_LIMIT).`, {
      errors: [{ path: `body/${field}`, message: `must be <= ${limitSeconds}` }],
    });
  }
}

/** What a native app says it is, cleaned; null when it says nothing usable. */
export function cleanClient(client: ClientInput | undefined): ClientInput | null {
  if (!client) return null;
  return {
    kind: client.kind,
    name: cleanText(client.name, CLIENT_TEXT_MAX) ?? undefined,
    version: cleanText(client.version, CLIENT_TEXT_MAX) ?? undefined,
  };
}

/**
 * A device name as it will be stored: trimmed, 1 to 64 characters, at least one of them visible,
 * no format characters (bidi overrides, zero-width characters); null clears it.
 */
export function deviceName(raw: string | null, field: string): string | null {
  if (raw === null) return null;
  const trimmed = raw.trim();
  const length = [...trimmed].length;
  const invalid = (message: string) =>
    new ApiError('validation_failed', `${field} ${message}.`, { errors: [{ path: `body/${field}`, message }] });
  if (length === 0) throw invalid('must not be blank (send null to clear it)');
  if (length > DEVICE_NAME_MAX) throw invalid(`must be at most ${DEVICE_NAME_MAX} characters once trimmed`);
  if (hasFormatCharacter(trimmed))
    throw invalid('must not contain invisible format characters (bidi controls such as U+202E, zero-width characters)');
  if (!hasVisibleCharacter(trimmed)) throw invalid('must contain at least one visible character');
  // Control characters are refused by the schema; this also mends broken surrogate pairs.
  return cleanText(trimmed, trimmed.length);
}
