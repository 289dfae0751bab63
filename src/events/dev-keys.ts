import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Config } from '../config.js';

/**
 * In development, the keys the events feature needs and was not given (WEBHOOK_SECRETS_KEY,
 * EVENTS_SIGNING_KEY) are generated once and kept in the data directory, as the JWT secret is
 * (src/dev-secret.ts): webhook secrets stay readable and published keys stay the same across
 * restarts. Never in production, where a missing key turns the feature it serves off.
 */
export function withDevelopmentEventKeys(config: Config): { config: Config; generated: string[] } {
  if (config.production) return { config, generated: [] };
  const generated: string[] = [];
  const kept = (name: string, make: () => string): string => {
    const file = path.resolve(config.dataDir, name);
    if (!existsSync(file)) {
      mkdirSync(path.dirname(file), { recursive: true });
      writeFileSync(file, make(), { mode: 0o600, flag: 'wx' });
      generated.push(file);
    }
    return readFileSync(file, 'utf8').trim();
  };
  const events = { ...config.events };
  events.secretsKey ??= Buffer.from(
    kept('webhook-secrets-key', () => randomBytes(32).toString('base64')),
    'base64',
  );
  events.signingKey ??= kept('events-signing-key.pem', () =>
    generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
  );
  return { config: { ...config, events }, generated };
}
