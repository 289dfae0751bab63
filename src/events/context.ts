import type { Clock } from '../clock.js';
import type { DestinationPolicy } from './delivery/destinations.js';
import type { OutboxEventsRepository } from './repositories/outbox-events.js';
import type { WebhookDeliveriesRepository } from './repositories/webhook-deliveries.js';
import type { WebhookEndpointsRepository } from './repositories/webhook-endpoints.js';
import type { SigningKey } from './signing-key.js';

export interface EventRepositories {
  outbox: OutboxEventsRepository;
  endpoints: WebhookEndpointsRepository;
  deliveries: WebhookDeliveriesRepository;
}

/** What the feature's behaviours work with; built once in index.ts. */
export interface EventsContext {
  repositories: EventRepositories;
  clock: Clock;
  policy: DestinationPolicy;
  /** Seals endpoint secrets; null: endpoints cannot be made (WEBHOOK_SECRETS_KEY unset). */
  secretsKey: Buffer | null;
  /** Signs SETs; null: caep endpoints cannot be made (EVENTS_SIGNING_KEY unset). */
  signingKey: SigningKey | null;
  issuer: string;
}
