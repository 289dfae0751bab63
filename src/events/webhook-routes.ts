import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import { emptyBodyAsObject, ok, problems, serviceSecurity } from '../http/route-schemas.js';
import type { EndpointOperations } from './endpoints.js';
import {
  CreateWebhookBody,
  DeliveriesQuery,
  DeliveryPage,
  RotateSecretBody,
  UpdateWebhookBody,
  UrlChangeList,
  WebhookEndpointSchema,
  WebhookIdParams,
  WebhookList,
  WebhookWithSecret,
} from './schemas.js';

const AUTH = ['unauthorized', 'forbidden', 'rate_limited'] as const;

/**
 * Managing webhook endpoints: service JWTs with the webhooks:manage scope (which no other scope
 * implies). Choosing where events go (a new endpoint, a new URL) needs sessions:read as well.
 */
export async function webhookRoutes(appBase: FastifyInstance, options: { endpoints: EndpointOperations }) {
  const app = appBase.withTypeProvider<TypeBoxTypeProvider>();
  const { endpoints } = options;
  const manage = app.requireScope('webhooks:manage');
  const base = { tags: ['webhooks'], security: serviceSecurity('webhooks:manage') };
  const endpoint = ok(Type.Ref(WebhookEndpointSchema), 'The endpoint');

  app.post(
    '/v1/webhooks',
    {
      onRequest: app.requireScope('webhooks:manage', 'sessions:read'),
      schema: {
        ...base,
        security: serviceSecurity('webhooks:manage', 'sessions:read'),
        operationId: 'createWebhook',
        summary: 'Add a webhook endpoint',
        description:
          'Registers a URL to receive lifecycle events, signed as Standard Webhooks describes (or, with `format: "caep"`, `session.ended` as a CAEP session-revoked Security Event Token). The URL must resolve only to public addresses. The answer carries the signing secret, shown only here. An endpoint receives every user\'s session events, so creating one needs sessions:read as well as webhooks:manage; its URL is recorded (see url-changes).',
        body: CreateWebhookBody,
        response: {
          201: ok(WebhookWithSecret, 'The endpoint and its secret'),
          ...problems('validation_failed', 'invalid_webhook_url', ...AUTH, 'webhook_limit_reached', 'events_not_configured'),
        },
      },
    },
    async (request, reply) => reply.code(201).send(await endpoints.create(request.body, request.caller)),
  );

  app.get(
    '/v1/webhooks',
    {
      onRequest: manage,
      schema: {
        ...base,
        operationId: 'listWebhooks',
        summary: 'List webhook endpoints',
        description: 'Every endpoint, oldest first (a registry holds at most 50). Secrets are never shown again.',
        response: { 200: ok(WebhookList, 'The endpoints'), ...problems(...AUTH) },
      },
    },
    async () => endpoints.list(),
  );

  app.get(
    '/v1/webhooks/:id',
    {
      onRequest: manage,
      schema: {
        ...base,
        operationId: 'getWebhook',
        summary: 'Get a webhook endpoint',
        description: 'Includes whether it is enabled and, if it was disabled for failing, since when.',
        params: WebhookIdParams,
        response: { 200: endpoint, ...problems(...AUTH, 'webhook_not_found') },
      },
    },
    async (request) => endpoints.get(request.params.id),
  );

  app.patch(
    '/v1/webhooks/:id',
    {
      onRequest: manage,
      schema: {
        ...base,
        operationId: 'updateWebhook',
        summary: 'Change a webhook endpoint',
        description:
          'Changes the URL (checked as at creation), the event types, the description, or turns it off and on. Turning it on retries what waits for it at once. The format cannot change. Changing the URL needs sessions:read as well as webhooks:manage (403 otherwise), and is recorded: who, when, the old and the new host (see url-changes).',
        params: WebhookIdParams,
        body: UpdateWebhookBody,
        response: { 200: endpoint, ...problems('validation_failed', 'invalid_webhook_url', ...AUTH, 'webhook_not_found') },
      },
    },
    async (request) => endpoints.update(request.params.id, request.body, request.caller),
  );

  app.get(
    '/v1/webhooks/:id/url-changes',
    {
      onRequest: manage,
      schema: {
        ...base,
        operationId: 'listWebhookUrlChanges',
        summary: 'Where an endpoint has pointed',
        description:
          "Every URL the endpoint was given, oldest first: its creation and each change, with who made it (the service token's subject), when, and the old and new host. Kept after the endpoint is deleted.",
        params: WebhookIdParams,
        response: { 200: ok(UrlChangeList, 'The URL changes'), ...problems('validation_failed', ...AUTH, 'webhook_not_found') },
      },
    },
    async (request) => endpoints.urlChanges(request.params.id),
  );

  app.delete(
    '/v1/webhooks/:id',
    {
      onRequest: manage,
      schema: {
        ...base,
        operationId: 'deleteWebhook',
        summary: 'Delete a webhook endpoint',
        description: 'Deletes the endpoint and its deliveries, sent or not. Returns the endpoint as it was.',
        params: WebhookIdParams,
        response: { 200: endpoint, ...problems(...AUTH, 'webhook_not_found') },
      },
    },
    async (request) => endpoints.remove(request.params.id),
  );

  app.post(
    '/v1/webhooks/:id/rotate-secret',
    {
      onRequest: manage,
      preValidation: emptyBodyAsObject,
      schema: {
        ...base,
        operationId: 'rotateWebhookSecret',
        summary: 'Rotate the signing secret',
        description:
          'Issues a new secret, shown only here. For `graceSeconds` (one day by default) the previous secret keeps signing too: each delivery carries one signature per secret in webhook-signature, so receivers can switch without losing an event.',
        params: WebhookIdParams,
        body: RotateSecretBody,
        response: {
          200: ok(WebhookWithSecret, 'The endpoint and its new secret'),
          ...problems('validation_failed', ...AUTH, 'webhook_not_found', 'events_not_configured'),
        },
      },
    },
    async (request) => endpoints.rotate(request.params.id, request.body.graceSeconds),
  );

  app.get(
    '/v1/webhooks/:id/deliveries',
    {
      onRequest: manage,
      schema: {
        ...base,
        operationId: 'listWebhookDeliveries',
        summary: "List an endpoint's deliveries",
        description: 'Newest first, each with its attempts (time, status code, duration, error). Keyset pagination with `nextCursor`.',
        params: WebhookIdParams,
        querystring: DeliveriesQuery,
        response: { 200: ok(DeliveryPage, 'A page of deliveries'), ...problems('validation_failed', ...AUTH, 'webhook_not_found') },
      },
    },
    async (request) => endpoints.deliveries(request.params.id, request.query),
  );
}
