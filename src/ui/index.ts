import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { FastifyInstance } from 'fastify';

// The <session-devices> element, served so that a page can load it straight from the registry:
// <script type="module" src="https://registry.example/ui/session-devices.js"></script>.
// The file is the client package's built element (src/generated/, built from src/session-devices/);
// a compiled build (dist/src/ui) finds it at the same relative place when the image copies it to
// dist/clients/..., a checkout's build one level up.
const CANDIDATES = [
  '../../clients/typescript/src/generated/session-devices.js',
  '../../../clients/typescript/src/generated/session-devices.js',
];

export function findSessionDevicesModule(): string {
  for (const candidate of CANDIDATES) {
    const path = new URL(candidate, import.meta.url);
    if (existsSync(path)) return fileURLToPath(path);
  }
  throw new Error(`session-devices.js not found next to the registry (looked for ${CANDIDATES.join(', ')} from ${import.meta.url})`);
}

export async function uiRoutes(app: FastifyInstance, options: { file?: string } = {}) {
  const source = readFileSync(options.file ?? findSessionDevicesModule());
  const etag = `"${createHash('sha256').update(source).digest('base64url').slice(0, 27)}"`;

  app.get(
    '/ui/session-devices.js',
    {
      // A static file, not an API operation: kept out of the OpenAPI document and so out of the client.
      schema: { hide: true },
    },
    async (request, reply) => {
      reply
        .header('etag', etag)
        // Short freshness, then a cheap revalidation: a new registry version reaches pages within minutes.
        .header('cache-control', 'public, max-age=300, must-revalidate')
        .header('x-content-type-options', 'nosniff')
        // A module script loaded from another origin is fetched in CORS mode.
        .header('access-control-allow-origin', '*')
        .header('cross-origin-resource-policy', 'cross-origin');
      const match = request.headers['if-none-match'];
      if (typeof match === 'string' && match.split(',').some((tag) => tag.trim().replace(/^W\//, '') === etag)) {
        return reply.code(304).send();
      }
      return reply.type('text/javascript; charset=utf-8').send(source);
    },
  );
}

export default uiRoutes;
