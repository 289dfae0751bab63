import { sessionRevokedSet, SET_CONTENT_TYPE } from '../caep.js';
import type { ClaimedDelivery } from '../repositories/webhook-deliveries.js';
import { openSecret, signatureHeader } from '../secrets.js';
import type { SigningKey } from '../signing-key.js';
import type { Outgoing } from './sender.js';

// What goes over the wire for one delivery attempt. Standard endpoints get the Standard Webhooks
// JSON body; CAEP endpoints get the SET itself. Both carry the webhook-* headers, so every
// receiver can deduplicate by webhook-id (the event's id, the same on every retry) and check the
// HMAC with the endpoint's secret.

export interface PayloadKeys {
  secretsKey: Buffer | null;
  signingKey: SigningKey | null;
  issuer: string;
}

/** The attempt cannot be made as configured (a key is missing or does not open the secret). */
export class PayloadUnavailableError extends Error {
  override readonly name = 'PayloadUnavailableError';
}

export const USER_AGENT = 'session-registry-webhooks/1';

/** Builds attempts; opened secrets are kept by endpoint and sealed bytes (a rotation seals a new one). */
export function createPayloads(keys: PayloadKeys) {
  const opened = new Map<string, string | null>();
  const OPENED_ENTRIES = 200;

  function open(key: Buffer, endpointId: string, sealed: Buffer): string | null {
    const id = `${endpointId}:${sealed.toString('base64')}`;
    let secret = opened.get(id);
    if (secret === undefined) {
      secret = openSecret(key, endpointId, sealed);
      if (opened.size >= OPENED_ENTRIES) opened.clear();
      opened.set(id, secret);
    }
    return secret;
  }

  return {
    build(delivery: ClaimedDelivery, now: Date): Outgoing {
      if (!keys.secretsKey) throw new PayloadUnavailableError('WEBHOOK_SECRETS_KEY is not set: the endpoint secret cannot be opened');
      const sealed = [delivery.secret, ...(delivery.previousSecret ? [delivery.previousSecret] : [])];
      const secrets = sealed.map((s) => open(keys.secretsKey as Buffer, delivery.endpointId, s));
      if (secrets.some((s) => s === null))
        throw new PayloadUnavailableError('WEBHOOK_SECRETS_KEY does not open the endpoint secret (was the key changed?)');

      let body: string;
      let contentType: string;
      if (delivery.format === 'caep') {
        if (!keys.signingKey) throw new PayloadUnavailableError('EVENTS_SIGNING_KEY is not set: no SET can be signed');
        const data = delivery.data as { sessionId: string; userId: string | null; reason: string };
        body = sessionRevokedSet(keys.signingKey, {
          issuer: keys.issuer,
          audience: delivery.url,
          now,
          event: {
            id: delivery.eventId,
            occurredAt: delivery.occurredAt,
            sessionId: data.sessionId,
            userId: data.userId,
            reason: data.reason,
          },
        });
        contentType = SET_CONTENT_TYPE;
      } else {
        body = JSON.stringify({ type: delivery.eventType, timestamp: delivery.occurredAt.toISOString(), data: delivery.data });
        contentType = 'application/json';
      }
      const timestamp = Math.floor(now.getTime() / 1000);
      return {
        url: delivery.url,
        body,
        headers: {
          'content-type': contentType,
          'user-agent': USER_AGENT,
          'webhook-id': delivery.eventId,
          'webhook-timestamp': String(timestamp),
          'webhook-signature': signatureHeader(secrets as string[], delivery.eventId, timestamp, body),
        },
      };
    },
  };
}
