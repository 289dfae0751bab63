import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Config } from './config.js';

/**
 * In development with no JWT_SECRET, a secret is generated once and kept in the data directory,
 * so tokens minted by `npm run token` keep working across restarts. Never used in production
 * (loadConfig refuses to start there without a configured secret or key).
 */
export function withDevelopmentSecret(config: Config): { config: Config; generated: boolean } {
  if (!config.jwt.algorithm.startsWith('HS') || config.jwt.secret !== null) return { config, generated: false };
  if (config.production) throw new Error('JWT_SECRET is required in production');
  const file = path.resolve(config.dataDir, 'jwt-secret');
  let generated = false;
  if (!existsSync(file)) {
    mkdirSync(path.dirname(file), { recursive: true });
    writeFileSync(file, randomBytes(48).toString('base64url'), { mode: 0o600, flag: 'wx' });
    generated = true;
  }
  const secret = readFileSync(file, 'utf8').trim();
  return { config: { ...config, jwt: { ...config.jwt, secret } }, generated };
}
