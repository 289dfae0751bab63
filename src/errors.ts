import fp from 'fastify-plugin';
import { Type } from '@sinclair/typebox';
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { DatabaseOverloadedError, DatabaseRejectedInputError, DatabaseUnavailableError } from './db/errors.js';

export const ERROR_CODES = {
  validation_failed: { status: 400, title: 'Request is not valid' },
  unauthorized: { status: 401, title: 'Authentication required' },
  forbidden: { status: 403, title: 'Not allowed' },
  confirm_from_another_device: { status: 403, title: 'Confirm this session from another device' },
  session_not_yet_trusted: { status: 403, title: 'This session is not trusted yet' },
  session_not_found: { status: 404, title: 'Session not found' },
  not_found: { status: 404, title: 'Not found' },
  webhook_not_found: { status: 404, title: 'Webhook endpoint not found' },
  invalid_webhook_url: { status: 400, title: 'Webhook URL refused' },
  webhook_limit_reached: { status: 409, title: 'Too many webhook endpoints' },
  events_not_configured: { status: 409, title: 'Not configured on this registry' },
  method_not_allowed: { status: 405, title: 'Method not allowed' },
  cannot_revoke_current: { status: 409, title: 'Cannot end the current session' },
  report_is_final: { status: 409, title: 'The session was reported' },
  session_limit_reached: { status: 409, title: 'Session limit reached' },
  more_sessions_match: { status: 409, title: 'More sessions match than expected' },
  session_ended: { status: 410, title: 'Session has ended' },
  request_timeout: { status: 408, title: 'Request timeout' },
  payload_too_large: { status: 413, title: 'Request body too large' },
  unsupported_media_type: { status: 415, title: 'Unsupported media type' },
  rate_limited: { status: 429, title: 'Too many requests' },
  headers_too_large: { status: 431, title: 'Request headers too large' },
  internal: { status: 500, title: 'Internal error' },
  service_unavailable: { status: 503, title: 'Service unavailable' },
} as const;
export type ErrorCode = keyof typeof ERROR_CODES;

export const ProblemSchema = Type.Object(
  {
    type: Type.String({ description: 'A URI naming the error kind.' }),
    title: Type.String(),
    status: Type.Integer(),
    detail: Type.String(),
    code: Type.String({ description: 'Stable machine-readable error code.' }),
    requestId: Type.String(),
    endReason: Type.Optional(Type.String({ description: 'With session_ended: how the session ended.' })),
    trustedFrom: Type.Optional(
      Type.String({
        format: 'date-time',
        description: 'With session_not_yet_trusted: when the session may act on other sessions without being confirmed.',
      }),
    ),
    matched: Type.Optional(Type.Integer({ description: 'With more_sessions_match: how many active sessions match now.' })),
    errors: Type.Optional(
      Type.Array(Type.Object({ path: Type.String(), message: Type.String() }), {
        description: 'With validation_failed: each invalid field.',
      }),
    ),
  },
  {
    $id: 'Problem',
    title: 'Problem',
    examples: [
      {
        type: 'urn:session-registry:error:session_ended',
        title: 'Session has ended',
        status: 410,
        detail: 'This session has ended.',
        code: 'session_ended',
        requestId: '0344f6f6-b7f7-42d7-b8a5-f073c5942772',
        endReason: 'revoked_by_user',
      },
    ],
  },
);

export class ApiError extends Error {
  readonly status: number;
  constructor(
    readonly code: ErrorCode,
    detail: string,
    readonly extra: Record<string, unknown> = {},
  ) {
    super(detail);
    this.status = ERROR_CODES[code].status;
  }
}

export const notFound = () => new ApiError('session_not_found', 'No session with this id exists for this caller.');

export function sendProblem(
  request: FastifyRequest,
  reply: FastifyReply,
  code: ErrorCode,
  detail: string,
  extra: Record<string, unknown> = {},
): FastifyReply {
  const { status, title } = ERROR_CODES[code];
  return reply
    .code(status)
    .type('application/problem+json')
    .send({ type: `urn:session-registry:error:${code}`, title, status, detail, code, requestId: request.id, ...extra });
}

/** Maps what Fastify and its plugins throw onto the documented codes. */
function classify(
  error: FastifyError & { validation?: Array<{ instancePath?: string; message?: string; params?: Record<string, unknown> }> },
): {
  code: ErrorCode;
  detail: string;
  extra?: Record<string, unknown>;
} {
  if (error instanceof ApiError) return { code: error.code, detail: error.message, extra: error.extra };
  if (error.validation) {
    const errors = error.validation.map((item) => {
      const missing = item.params?.missingProperty;
      const extraProp = item.params?.additionalProperty;
      const where = `${(error as { validationContext?: string }).validationContext ?? 'body'}${item.instancePath ?? ''}`;
      const pathText = missing ? `${where}/${String(missing)}` : extraProp ? `${where}/${String(extraProp)}` : where;
      return { path: pathText, message: extraProp ? 'is not an accepted field' : (item.message ?? 'is invalid') };
    });
    return { code: 'validation_failed', detail: errors.map((e) => `${e.path} ${e.message}`).join('; '), extra: { errors } };
  }
  switch (error.code) {
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return { code: 'unsupported_media_type', detail: 'Send the body as application/json.' };
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return { code: 'payload_too_large', detail: 'The request body is larger than the service accepts.' };
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
      return { code: 'validation_failed', detail: 'The body is not valid JSON.' };
    case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH':
      return { code: 'validation_failed', detail: 'The Content-Length header does not match the body.' };
  }
  if (error instanceof DatabaseRejectedInputError)
    return { code: 'validation_failed', detail: 'A value in the request cannot be stored as sent.' };
  if (error instanceof SyntaxError && error.statusCode === 400) return { code: 'validation_failed', detail: 'The body is not valid JSON.' };
  if (error.statusCode === 429) return { code: 'rate_limited', detail: 'Too many requests; retry after the time in Retry-After.' };
  if (error instanceof DatabaseOverloadedError) return { code: 'service_unavailable', detail: 'The service is overloaded; retry shortly.' };
  if (error.statusCode === 503) return { code: 'service_unavailable', detail: 'The service is temporarily unavailable; retry shortly.' };
  if (error instanceof DatabaseUnavailableError)
    return { code: 'service_unavailable', detail: 'The database is unavailable; retry shortly.' };
  if (error.statusCode && error.statusCode >= 400 && error.statusCode < 500) {
    return { code: 'validation_failed', detail: 'The request could not be processed as sent.' };
  }
  return { code: 'internal', detail: 'An unexpected error occurred. Quote the requestId when reporting it.' };
}

/** Every error answered as a problem (RFC 9457); 5xx details go to the log, never to the client. */
export const errorHandler = fp(async function errorHandler(app: FastifyInstance) {
  app.addSchema(ProblemSchema);
  // The API speaks JSON only; any other body is a 415, not a string that fails validation.
  app.removeContentTypeParser(['text/plain']);
  app.setErrorHandler((error: FastifyError, request, reply) => {
    const { code, detail, extra } = classify(error);
    const status = ERROR_CODES[code].status;
    if (code === 'rate_limited') {
      const seconds = typeof extra?.retryAfterSeconds === 'number' ? extra.retryAfterSeconds : undefined;
      if (seconds !== undefined) reply.header('retry-after', String(seconds));
      return sendProblem(request, reply, code, detail);
    }
    if (status >= 500) {
      // What went wrong goes to the log (no stack, no request data); the client gets the request id.
      const { name, message } = error;
      // Shedding under overload is expected behaviour, counted by the request metrics; not an error.
      if (!(error instanceof DatabaseOverloadedError))
        request.log.error({ code, error: { name, message, code: error.code } }, 'request failed');
      if (code === 'service_unavailable') reply.header('retry-after', '1');
    }
    return sendProblem(request, reply, code, detail, extra);
  });
  app.setNotFoundHandler((request, reply) =>
    sendProblem(request, reply, 'not_found', `No route ${request.method} ${request.url.split('?')[0]}.`),
  );
});
