import swagger, { type SwaggerOptions } from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { FastifyInstance } from 'fastify';
import { SCOPE_NAMES, SCOPES } from '../auth/scopes.js';

const openApiOptions: SwaggerOptions = {
  openapi: {
    openapi: '3.1.0',
    info: {
      title: 'Session Registry',
      version: '1.0.0',
      description:
        'Owns user sessions for other applications: backends register logins and heartbeats, frontends list and end "my sessions", operators drive it with curl. Errors are application/problem+json (RFC 9457) with a stable `code`.',
      license: { name: 'MIT', identifier: 'MIT' },
    },
    // Relative: "Try it out" in /docs (and any client reading the document it was served) targets
    // the server that answered, whatever its host, port or the proxy in front of it.
    servers: [{ url: '/', description: 'the server this document was served from' }],
    tags: [
      { name: 'sessions', description: 'Backends (sessions:read, sessions:write) and operators (sessions:admin), with a service JWT.' },
      { name: 'me', description: 'The signed-in user (session token).' },
      {
        name: 'webhooks',
        description:
          'Webhook endpoints for lifecycle events (service JWT with webhooks:manage; creating one or changing its URL needs sessions:read as well).',
      },
      { name: 'events', description: 'The lifecycle event feed, and the keys and metadata receivers of Security Event Tokens need.' },
      { name: 'operations', description: 'Health and metrics (no authentication).' },
    ],
    components: {
      securitySchemes: {
        serviceToken: {
          type: 'http',
          scheme: 'bearer',
          bearerFormat: 'JWT',
          description: `Service JWT with iss, aud, exp and a space-separated \`scope\`. Each operation lists the scopes it needs. ${SCOPE_NAMES.map((name) => `${name}: ${SCOPES[name]}`).join(' ')}`,
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
  // A field with a default is filled in by validation (useDefaults), so the route schemas list it
  // as required and the handlers see it set; to a client it is optional.
  transform: ({ schema, url }) => ({ schema: schema && optionalDefaults(schema), url }),
};

type JsonObject = { [key: string]: unknown };

function optionalDefaults<T extends object>(routeSchema: T): T {
  const copy: JsonObject = { ...(routeSchema as JsonObject) };
  for (const part of ['querystring', 'body', 'params', 'headers']) {
    const object = copy[part] as JsonObject | undefined;
    const properties = object?.properties as Record<string, JsonObject> | undefined;
    if (!object || !properties || !Array.isArray(object.required)) continue;
    const required = (object.required as string[]).filter((name) => properties[name]?.default === undefined);
    copy[part] = Object.fromEntries(
      Object.entries(object).flatMap(([key, value]) =>
        key !== 'required' ? [[key, value]] : required.length > 0 ? [[key, required]] : [],
      ),
    );
  }
  return copy as T;
}

/** The OpenAPI document (generated from the route schemas) at /openapi.json, and a reference UI at /docs. */
export async function openApi(app: FastifyInstance): Promise<void> {
  await app.register(swagger, openApiOptions);
  // The reference page sends a Content-Security-Policy (with hashes for its own inline code).
  await app.register(swaggerUi, { routePrefix: '/docs', uiConfig: { docExpansion: 'list', deepLinking: true }, staticCSP: true });
  app.get('/openapi.json', { schema: { hide: true } }, async () => app.swagger());
}
