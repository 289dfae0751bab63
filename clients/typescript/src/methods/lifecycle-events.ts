import { id, type Body, type CallOptions, type Callers, type Query } from '../calls.js';

/**
 * Webhook endpoints (a service JWT with `webhooks:manage`), the event feed (`sessions:read`) and the
 * public documents receivers of Security Event Tokens read.
 */
export function lifecycleEventMethods({ asService, anonymous }: Callers) {
  return {
    // Each call makes another endpoint: never sent twice. The answer carries the signing secret, once.
    createWebhook: (body: Body<'createWebhook'>, opts?: CallOptions) =>
      asService({ operation: 'createWebhook', method: 'POST', path: '/v1/webhooks', body, idempotent: false }, opts),
    listWebhooks: (opts?: CallOptions) =>
      asService({ operation: 'listWebhooks', method: 'GET', path: '/v1/webhooks', idempotent: true }, opts),
    getWebhook: (webhookId: string, opts?: CallOptions) =>
      asService({ operation: 'getWebhook', method: 'GET', path: `/v1/webhooks/${id(webhookId)}`, idempotent: true }, opts),
    updateWebhook: (webhookId: string, body: Body<'updateWebhook'>, opts?: CallOptions) =>
      asService({ operation: 'updateWebhook', method: 'PATCH', path: `/v1/webhooks/${id(webhookId)}`, body, idempotent: true }, opts),
    // A retry of a delete that went through answers 404 webhook_not_found: the endpoint is gone either way.
    deleteWebhook: (webhookId: string, opts?: CallOptions) =>
      asService({ operation: 'deleteWebhook', method: 'DELETE', path: `/v1/webhooks/${id(webhookId)}`, idempotent: true }, opts),
    // Never sent twice: a second rotation would retire the secret receivers hold now, and the
    // secret of the first would be lost with its answer.
    rotateWebhookSecret: (webhookId: string, body: Body<'rotateWebhookSecret'> = {}, opts?: CallOptions) =>
      asService(
        { operation: 'rotateWebhookSecret', method: 'POST', path: `/v1/webhooks/${id(webhookId)}/rotate-secret`, body, idempotent: false },
        opts,
      ),
    listWebhookUrlChanges: (webhookId: string, opts?: CallOptions) =>
      asService(
        { operation: 'listWebhookUrlChanges', method: 'GET', path: `/v1/webhooks/${id(webhookId)}/url-changes`, idempotent: true },
        opts,
      ),
    listWebhookDeliveries: (webhookId: string, query: Query<'listWebhookDeliveries'> = {}, opts?: CallOptions) =>
      asService(
        { operation: 'listWebhookDeliveries', method: 'GET', path: `/v1/webhooks/${id(webhookId)}/deliveries`, query, idempotent: true },
        opts,
      ),

    // The feed: pass the nextCursor of one page as `after` of the next.
    listEvents: (query: Query<'listEvents'> = {}, opts?: CallOptions) =>
      asService({ operation: 'listEvents', method: 'GET', path: '/v1/events', query, idempotent: true }, opts),

    // Public documents (no credential).
    getEventsJwks: (opts?: CallOptions) =>
      anonymous({ operation: 'getEventsJwks', method: 'GET', path: '/.well-known/jwks.json', idempotent: true }, opts),
    getSsfConfiguration: (opts?: CallOptions) =>
      anonymous({ operation: 'getSsfConfiguration', method: 'GET', path: '/.well-known/ssf-configuration', idempotent: true }, opts),
  };
}
