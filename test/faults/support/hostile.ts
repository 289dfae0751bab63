import fc from 'fast-check';

// Values an attacker or a broken client sends: SQL and JSON fragments, control and NUL
// characters, lone surrogates, right-to-left marks, huge strings, odd numbers, deep nesting.

export const SQL_INJECTIONS = [
  "'; DROP TABLE sessions; --",
  "' OR '1'='1",
  "' OR 1=1 --",
  '" OR ""="',
  "alice'--",
  "'; UPDATE sessions SET ended_at = NULL; --",
  "'; DELETE FROM session_events; --",
  "' UNION SELECT token_hash FROM sessions --",
  '1; SELECT pg_sleep(5)',
  "'; SELECT pg_sleep(5); --",
  '$$; DROP TABLE sessions; $$',
  '$1',
  "E'\\x41'",
  "\\'; DROP TABLE sessions; --",
  "%' OR user_id LIKE '%",
  '%',
  '_',
  "alice' AND (SELECT count(*) FROM pg_stat_activity) > 0 --",
  "'::jsonb",
  '{"$ne": null}',
  "'); INSERT INTO activity_flushes VALUES (gen_random_uuid(), now()); --",
  '/* comment */ SELECT 1',
  '-- ',
  '\u02bc OR 1=1 --',
  'ʼ; DROP TABLE sessions; --',
  '＇ OR ＇1＇=＇1',
];

/** Webhook URLs that lead inside the network, or are no http(s) URL at all. */
export const HOSTILE_URLS = [
  'http://10.0.0.1/',
  'http://169.254.169.254/latest/meta-data/',
  'http://[::ffff:169.254.169.254]/',
  'http://0177.0.0.1/',
  'http://2130706433/',
  'http://127.1/',
  'http://localhost:1/',
  'https://[::1]/',
  'http://[fd00::1]/',
  'http://metadata.google.internal/computeMetadata/v1/',
  'http://kubernetes/',
  'https://u:p@hooks.example.com/',
  'http://hooks.example.com:99999/',
  'ftp://x/',
  'gopher://127.0.0.1:6379/_',
  'file:///etc/passwd',
  'javascript:alert(1)',
  'https://hooks.example.com/%00',
];

const SPECIAL = [
  '',
  ' ',
  '\u0000',
  'a\u0000b',
  '\u0000'.repeat(50),
  '\ud800',
  '\udfff',
  'x\ud800y',
  '\u202eevil\u202c',
  '\ufeff',
  '\u200b',
  '🇫🇷👨‍👩‍👧',
  '../../etc/passwd',
  '..%2f..%2f',
  '%00',
  '%zz',
  '<script>alert(1)</script>',
  '${jndi:ldap://127.0.0.1/a}',
  '{{7*7}}',
  '__proto__',
  'constructor',
  'prototype',
  'null',
  'undefined',
  'NaN',
  '-1',
  '1e309',
  '0x10',
  'true',
  '\r\nX-Injected: 1',
  '\t\n\r\u000b\u000c',
  'fe80::1%eth0',
  '::ffff:127.0.0.1',
  '999.999.999.999',
  '1.2.3.4:80',
  '[::1]',
  '0',
  '01a20920-012e-76ad-b2bd-e2f0cc8d0114',
  '00000000-0000-0000-0000-000000000000',
  'sr1_' + '0'.repeat(32) + 'A'.repeat(43),
  'Bearer x',
  '81.2.69.0/24',
  '81.2.69.0/33',
  '::/0',
  '0.0.0.0/0',
  '2001:db8::/-1',
  '1.2.3.4/08',
  '9999-12-31T23:59:59Z',
  '2026-13-01T00:00:00Z',
];

export const hostileString: fc.Arbitrary<string> = fc.oneof(
  { arbitrary: fc.constantFrom(...SQL_INJECTIONS, ...SPECIAL), weight: 4 },
  { arbitrary: fc.string({ maxLength: 40 }), weight: 2 },
  { arbitrary: fc.string({ unit: 'binary', maxLength: 40 }), weight: 2 },
  { arbitrary: fc.string({ unit: 'grapheme', maxLength: 20 }), weight: 1 },
  {
    arbitrary: fc.string({
      unit: fc.constantFrom('\u0000', '\u0001', '\u001f', '\u007f', '\ud800', '\udc00', 'a', "'", '"', '\\', '%'),
      maxLength: 30,
    }),
    weight: 2,
  },
  {
    arbitrary: fc.tuple(fc.constantFrom('a', '\u0000', '€', "'", '🙂'), fc.integer({ min: 100, max: 70000 })).map(([c, n]) => c.repeat(n)),
    weight: 1,
  },
);

export const hostileNumber: fc.Arbitrary<number> = fc.oneof(
  fc.constantFrom(
    0,
    -0,
    -1,
    1,
    59,
    60,
    100,
    101,
    10000,
    10001,
    2 ** 31,
    2 ** 53 + 1,
    -(2 ** 53),
    1e308,
    -1e308,
    1.5,
    0.0001,
    Number.MAX_SAFE_INTEGER,
  ),
  fc.integer(),
  fc.double({ noNaN: true, noDefaultInfinity: true }),
);

/** Any JSON value, hostile leaves included. */
export const hostileJson: fc.Arbitrary<unknown> = fc.letrec<{ value: unknown }>((tie) => ({
  value: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    hostileString,
    hostileNumber,
    fc.boolean(),
    fc.constant(null),
    fc.array(tie('value'), { maxLength: 5 }),
    fc.dictionary(hostileString, tie('value'), { maxKeys: 5 }),
  ),
})).value;

/** JSON text nested `depth` levels deep (arrays or objects). */
export const deepJson: fc.Arbitrary<string> = fc
  .tuple(fc.integer({ min: 10, max: 20000 }), fc.boolean())
  .map(([depth, arrays]) => (arrays ? '['.repeat(depth) + ']'.repeat(depth) : '{"a":'.repeat(depth) + '1' + '}'.repeat(depth)));
