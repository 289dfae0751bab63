import { readFileSync } from 'node:fs';
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
// In your own app: '@session-registry/client' and '@session-registry/client/fastify'.
import { createRegistryClient } from '../../clients/typescript/src/index.js';
import { isSameOrigin, sessionRegistry } from '../../clients/typescript/src/fastify.js';
import { DEMO_DEVICES, isDemoDevice } from './demo-devices.js';
import { accountPage, isLanguage, signInPage } from './pages.js';

export interface AccountAppOptions {
  /** Where the backend reaches the registry. */
  registryUrl: string;
  /** A service JWT with sessions:write. */
  serviceToken: string;
  /** Where browsers load the element from; default the registry's /ui/session-devices.js. */
  moduleUrl?: string;
  logger?: boolean;
}

const SITE_CSS = readFileSync(new URL('./public/site.css', import.meta.url));

/** A small account site: a demo sign-in, the session cookie, and the "Active sessions" page. */
export async function buildAccountApp(options: AccountAppOptions): Promise<FastifyInstance> {
  const app = Fastify({ logger: options.logger ?? false });
  const registry = createRegistryClient({ baseUrl: options.registryUrl, token: options.serviceToken });
  const moduleUrl = options.moduleUrl ?? `${options.registryUrl.replace(/\/+$/, '')}/ui/session-devices.js`;

  app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string' }, (_request, body, done) => {
    done(null, Object.fromEntries(new URLSearchParams(body as string)));
  });

  // The helper: every request's cookie is checked (and its page view counted); the page's calls
  // under /account/api/me go to the registry's /v1/me with the cookie's token.
  await app.register(sessionRegistry, {
    client: registry,
    apiPrefix: '/account/api/me',
    cookie: { name: 'sid', sameSite: 'Lax', secure: true },
    // Static files need no check: one page load, one call to the registry.
    shouldCheck: (request) => !request.url?.startsWith('/assets/'),
  });

  const csp = [
    "default-src 'none'",
    `script-src 'self' ${new URL(moduleUrl, 'http://localhost').origin}`,
    "connect-src 'self'",
    "style-src 'self'",
    "img-src 'self'",
    "form-action 'self'",
    "base-uri 'none'",
    "frame-ancestors 'none'",
  ].join('; ');
  const html = (reply: FastifyReply, body: string) =>
    reply
      .type('text/html; charset=utf-8')
      .header('content-security-policy', csp)
      .header('cache-control', 'no-store')
      // Ask for the hints that tell Windows 11 from 10 and a phone's model: the registry reads them.
      .header('accept-ch', 'Sec-CH-UA-Platform-Version, Sec-CH-UA-Full-Version-List, Sec-CH-UA-Model')
      .send(body);
  const refuseCrossSite = (request: FastifyRequest, reply: FastifyReply) => {
    if (!isSameOrigin(request)) return reply.code(403).type('text/plain').send('Cross-site form posts are refused.');
    return null;
  };

  app.get('/assets/site.css', async (_request, reply) =>
    reply.type('text/css; charset=utf-8').header('cache-control', 'public, max-age=300').send(SITE_CSS),
  );

  app.get('/', async (request, reply) => reply.redirect(request.registrySession ? '/account' : '/sign-in'));

  app.get('/sign-in', async (request, reply) => (request.registrySession ? reply.redirect('/account') : html(reply, signInPage())));

  app.post<{ Body: { user?: string } }>('/sign-in', async (request, reply) => {
    if (refuseCrossSite(request, reply)) return reply;
    const user = (request.body?.user ?? '').trim().slice(0, 64);
    if (!user) return reply.redirect('/sign-in');
    // Signing in again from a signed-in browser replaces its session rather than leaving it behind.
    if (request.registrySession) await reply.signOut();
    // A real app checks the password here; then one call registers the login and sets the cookie.
    await reply.signIn({ userId: user, loginMethod: 'demo' });
    return reply.redirect('/account', 303);
  });

  app.post('/sign-out', async (request, reply) => {
    if (refuseCrossSite(request, reply)) return reply;
    await reply.signOut();
    return reply.redirect('/sign-in', 303);
  });

  app.get<{ Querystring: { lang?: string } }>('/account', async (request, reply) => {
    const session = request.registrySession;
    if (!session) return reply.redirect('/sign-in');
    const lang = isLanguage(request.query.lang) ? request.query.lang : null;
    return html(reply, accountPage({ userId: session.userId, lang, moduleUrl }));
  });

  app.post<{ Body: { device?: string } }>('/demo/devices', async (request, reply) => {
    if (refuseCrossSite(request, reply)) return reply;
    const session = request.registrySession;
    if (!session) return reply.redirect('/sign-in', 303);
    const key = request.body?.device;
    if (!isDemoDevice(key)) return reply.code(400).type('text/plain').send('Unknown demo device.');
    const device = DEMO_DEVICES[key];
    await registry.createSession({ userId: session.userId, ip: device.ip, userAgent: device.userAgent, loginMethod: 'password' });
    return reply.redirect('/account', 303);
  });

  return app;
}
