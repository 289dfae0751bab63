import type { SwaggerOptions } from '@fastify/swagger';

export const openApiOptions: SwaggerOptions = {
  openapi: {
    openapi: '3.1.0',
    info: {
      title: 'Session Registry',
      version: '1.0.0',
      description:
        'Owns user sessions for other applications: backends register logins and heartbeats, frontends list and end "my sessions", operators drive it with curl. Errors are application/problem+json (RFC 9457) with a stable `code`.',
      license: { name: 'MIT', identifier: 'MIT' },
    },
    servers: [{ url: 'http://127.0.0.1:3000' }],
    tags: [
      { name: 'sessions', description: 'Backends and operators (service JWT).' },
      { name: 'me', description: 'The signed-in user (session token).' },
      { name: 'operations', description: 'Health and metrics (no authentication).' },
    ],
    components: {
      securitySchemes: {
        serviceToken: {
          type: 'http',
          scheme: 'bearer',
          bearerFormat: 'JWT',
          description: 'Service JWT with iss, aud, exp and a `scope` of sessions:read and/or sessions:write (write implies read).',
        },
        sessionToken: {
          type: 'http',
          scheme: 'bearer',
          description: 'The opaque session token returned once by POST /v1/sessions.',
        },
      },
    },
  },
  refResolver: {
    buildLocalReference: (json, _baseUri, _fragment, i) => (typeof json.$id === 'string' ? json.$id : `def-${i}`),
  },
};
