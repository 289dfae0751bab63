export { createRegistryClient } from './client.js';
export type {
  Body,
  CallOptions,
  ForwardRequest,
  HeartbeatResult,
  LifecycleEvent,
  Location,
  Query,
  RegistryClient,
  RegistryClientOptions,
  Result,
  Session,
  SessionEvent,
  SessionPage,
  UserCallOptions,
  UserExport,
  WebhookDelivery,
  WebhookEndpoint,
} from './client.js';
export { RegistryError } from './errors.js';
export type { Problem, RegistryErrorCode } from './errors.js';
export { forwardingHeaders, userContext } from './user-context.js';
export { DEFAULT_TOLERANCE_SECONDS, verifyWebhook } from './webhooks.js';
export type { VerifyWebhookOptions, WebhookHeaders } from './webhooks.js';
export type { IncomingLike, UserContext } from './user-context.js';
export type { components, operations, paths } from './generated/schema.js';
