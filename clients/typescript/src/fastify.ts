import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Body, Result } from './client.js';
import { createSessionHelper, type RegistrySession, type SessionHelperOptions } from './helper/core.js';

export type { RegistrySession, SessionCookieOptions, SessionHelperOptions } from './helper/core.js';
export { isSameOrigin } from './helper/core.js';

type SignInBody = Omit<Body<'createSession'>, 'ip' | 'userAgent' | 'clientHints'>;

declare module 'fastify' {
  interface FastifyRequest {
    /** The request's signed-in session (checked with the registry on this request), or null. */
    registrySession: RegistrySession | null;
  }
  interface FastifyReply {
    /** Registers a login for this browser and sets the HttpOnly session cookie. */
    signIn(body: SignInBody): Promise<Result<'createSession'>>;
    /** Ends this browser's session (logout) and clears its cookie. */
    signOut(): Promise<void>;
  }
}

/**
 * Checks the session cookie on every request through the user's heartbeat (a page view counts),
 * sets `request.registrySession`, clears the cookie of an ended session, and passes the account
 * page's calls under `apiPrefix` to the registry's /v1/me/* with the cookie's token.
 */
async function sessionRegistry(app: FastifyInstance, options: SessionHelperOptions): Promise<void> {
  const helper = createSessionHelper(options);
  app.decorateRequest('registrySession', null);
  app.decorateReply('signIn', async function signIn(this: FastifyReply, body: SignInBody) {
    const created = await helper.signIn(this.request, body);
    this.header('set-cookie', helper.sessionCookie(created.token, this.request));
    this.request.registrySession = { id: created.session.id, userId: created.session.userId, expiresAt: created.session.expiresAt };
    return created;
  });
  app.decorateReply('signOut', async function signOut(this: FastifyReply) {
    const token = helper.tokenOf(this.request);
    if (token) await helper.signOut(token, this.request);
    this.header('set-cookie', helper.clearedCookie(this.request));
    this.request.registrySession = null;
  });

  app.addHook('onRequest', async (request: FastifyRequest, reply: FastifyReply) => {
    // The account page's calls are checked by the registry itself when they are passed on (or refused):
    // recognised in the normal form of the path, since the router matches `/account/api/m%65/...` too.
    if (helper.isApiRequest(request.url) || !helper.shouldCheck(request)) return;
    const token = helper.tokenOf(request);
    if (!token) return;
    let session: RegistrySession | null;
    try {
      session = await helper.validate(token, request);
    } catch (error) {
      // Fail closed: a session that cannot be checked is not taken as signed in.
      request.log.warn({ err: error }, 'session check failed');
      return reply
        .code(503)
        .header('retry-after', '5')
        .type('text/plain; charset=utf-8')
        .send('The session service is unavailable; try again shortly.');
    }
    if (!session) reply.header('set-cookie', helper.clearedCookie(request));
    request.registrySession = session;
  });

  app.route({
    method: ['GET', 'POST', 'PATCH', 'DELETE'],
    url: `${helper.apiPrefix}/*`,
    handler: async (request, reply) => {
      // Null when the router matched a spelling of the prefix other than the configured one: a 404.
      const target = helper.apiPath(request.url);
      const body = request.body === undefined || request.body === null ? undefined : JSON.stringify(request.body);
      const answer = await helper.forward(request, target, helper.tokenOf(request), body);
      return reply.code(answer.status).headers(answer.headers).send(answer.body);
    },
  });
}

// What fastify-plugin does, without the dependency: the hook and decorators reach the whole app.
Object.assign(sessionRegistry, {
  [Symbol.for('skip-override')]: true,
  [Symbol.for('fastify.display-name')]: 'session-registry',
  [Symbol.for('plugin-meta')]: { name: 'session-registry', fastify: '5.x' },
});

export { sessionRegistry };
export default sessionRegistry;
