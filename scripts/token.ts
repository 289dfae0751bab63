// Prints one service JWT signed with the configured (or development) key, and nothing else.
//   npm run --silent token -- --scope "sessions:read sessions:write" [--sub ops] [--ttl 1h]
//   npm run --silent token -- --scope "sessions:admin sessions:write" --sub alice-oncall --ttl 15m   (an operator)
import { parseArgs } from 'node:util';
import { createSigner } from 'fast-jwt';
import { ConfigError, loadConfig, parseDuration } from '../src/config.js';
import { withDevelopmentSecret } from '../src/dev-secret.js';
import { isScope, SCOPE_NAMES } from '../src/auth/scopes.js';

function fail(message: string): never {
  process.stderr.write(`token: ${message}\n`);
  process.exit(2);
}

try {
  const { values } = parseArgs({
    options: { scope: { type: 'string' }, sub: { type: 'string', default: 'operator' }, ttl: { type: 'string', default: '1h' } },
    strict: true,
  });
  if (!values.scope) fail('--scope is required, e.g. --scope "sessions:read sessions:write"');
  const scopes = values.scope.split(/\s+/).filter(Boolean);
  const unknown = scopes.filter((s) => !isScope(s));
  if (scopes.length === 0 || unknown.length > 0) fail(`unknown scope ${unknown.join(', ')}; use any of ${SCOPE_NAMES.join(', ')}`);
  const ttl = parseDuration(values.ttl as string);
  if (ttl === null || ttl < 1) fail('--ttl must be a duration such as 900, 15m, 1h or 7d');
  const { config } = withDevelopmentSecret(loadConfig(process.env));
  const { jwt } = config;
  const key = jwt.algorithm.startsWith('HS') ? jwt.secret : jwt.privateKey;
  if (!key) fail(`JWT_PRIVATE_KEY is needed to sign ${jwt.algorithm} tokens`);
  const sign = createSigner({ key, algorithm: jwt.algorithm, iss: jwt.issuer, aud: jwt.audience, sub: values.sub, expiresIn: ttl * 1000 });
  process.stdout.write(`${sign({ scope: scopes.join(' ') })}\n`);
} catch (error) {
  fail(error instanceof ConfigError ? error.message : (error as Error).message);
}
