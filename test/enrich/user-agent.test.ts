import { readFileSync } from 'node:fs';
import t from 'tap';
import {
  MAX_UA_PARSE_LENGTH,
  MAX_UA_STORED_LENGTH,
  PARSER_VERSION,
  createUserAgentParser,
  deviceKey,
  parseUserAgent,
  sanitizeUserAgent,
} from '../../src/enrich/user-agent/index.js';
import type { ClientHints, ClientInput } from '../../src/enrich/types.js';

interface Fixture {
  desc: string;
  ua: string;
  hints?: ClientHints;
  client?: ClientInput;
  note?: string;
  expect: {
    device: string;
    vendor?: string | null;
    model?: string | null;
    os?: string | null;
    osVersion?: string | null;
    browser?: string | null;
    browserVersion?: string | null;
    kind: string;
    name?: string | null;
    version?: string | null;
    label: string;
    isBot?: boolean;
  };
}

const fixtures = JSON.parse(readFileSync(new URL('../fixtures/user-agents.json', import.meta.url), 'utf8')) as Fixture[];

t.test('the fixture table covers every kind of client', async (t) => {
  t.ok(fixtures.length >= 70, `${fixtures.length} user agents`);
  const devices = new Set(fixtures.map((f) => f.expect.device));
  for (const type of ['desktop', 'mobile', 'tablet', 'bot', 'tv', 'console', 'wearable', 'unknown']) {
    t.ok(devices.has(type), `has a ${type}`);
  }
  const kinds = new Set(fixtures.map((f) => f.expect.kind));
  for (const kind of ['browser', 'app', 'api', 'bot', 'unknown']) t.ok(kinds.has(kind), `has kind ${kind}`);
});

t.test('each real user agent parses as expected', async (t) => {
  const parser = createUserAgentParser();
  for (const f of fixtures) {
    const got = parser.parse(f.ua, f.hints ?? null, f.client ?? null);
    const actual: Record<string, unknown> = {
      device: got.device.type,
      vendor: got.device.vendor,
      model: got.device.model,
      os: got.os.name,
      osVersion: got.os.version,
      browser: got.browser.name,
      browserVersion: got.browser.version,
      kind: got.client.kind,
      name: got.client.name,
      version: got.client.version,
      label: got.label,
      isBot: got.isBot,
    };
    const picked = Object.fromEntries(Object.keys(f.expect).map((key) => [key, actual[key]]));
    t.same(picked, f.expect, f.desc);
    t.equal(got.isBot, f.expect.kind === 'bot', `${f.desc}: isBot follows the client kind`);
  }
});

const CHROME_MAC = 'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36';

t.test('PARSER_VERSION names the installed ua-parser-js and the rules revision', async (t) => {
  const installed = JSON.parse(readFileSync(new URL('../../node_modules/ua-parser-js/package.json', import.meta.url), 'utf8')) as {
    version: string;
  };
  t.equal(PARSER_VERSION, `ua-parser-js@${installed.version}+r1`);
});

t.test('missing or blank user agents describe an unknown device', async (t) => {
  for (const ua of [null, undefined, '', '   ', '\u0000\u0001']) {
    const got = parseUserAgent(ua);
    t.equal(got.label, 'Unknown device', JSON.stringify(ua));
    t.equal(got.device.type, 'unknown');
    t.equal(got.client.kind, 'unknown');
    t.equal(got.isBot, false);
  }
});

t.test('cached results are equal to fresh ones and cannot be corrupted by callers', async (t) => {
  const parser = createUserAgentParser({ cacheSize: 10 });
  const first = parser.parse(CHROME_MAC);
  first.os.name = 'tampered';
  first.client.name = 'tampered';
  const second = parser.parse(CHROME_MAC);
  t.equal(second.os.name, 'macOS');
  t.equal(second.client.name, 'Chrome');
  t.same(second, createUserAgentParser({ cacheSize: 0 }).parse(CHROME_MAC));
});

t.test('the cache key includes the client hints', async (t) => {
  const parser = createUserAgentParser({ cacheSize: 10 });
  const windows = 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36';
  t.equal(parser.parse(windows).label, 'Chrome 126 on Windows 10');
  const hints = { 'sec-ch-ua-platform': '"Windows"', 'sec-ch-ua-platform-version': '"15.0.0"' };
  t.equal(parser.parse(windows, hints).label, 'Chrome 126 on Windows 11');
  t.equal(parser.parse(windows).label, 'Chrome 126 on Windows 10');
});

t.test('client hints: header names in any case, Windows 10 below platform version 13', async (t) => {
  const windows = 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36';
  const at = (version: string) =>
    parseUserAgent(windows, { 'Sec-CH-UA-Platform': '"Windows"', 'Sec-CH-UA-Platform-Version': `"${version}"` }).os.version;
  t.equal(at('13.0.0'), '11');
  t.equal(at('12.0.0'), '10');
  t.equal(at('1.0.0'), '10');
  t.equal(at('0.3.0'), '10', 'platform version 0 (Windows 7/8) keeps what the user agent says');
});

t.test('client hints that are not strings or not an object are ignored, never thrown on', async (t) => {
  const garbage: unknown[] = [
    42,
    'sec-ch-ua',
    ['"Google Chrome";v="126"'],
    { 'sec-ch-ua': 126, 'sec-ch-ua-mobile': true, 'sec-ch-ua-platform': null },
    { 'sec-ch-ua': '"'.repeat(100_000) },
    { 'sec-ch-ua': '"Google Chrome";v="126'.repeat(1000) },
    { 'sec-ch-ua-full-version-list': '"A";v="1", '.repeat(60) },
    { ['__proto__']: { 'sec-ch-ua': '"Evil";v="1"' } },
    Object.create(null) as object,
  ];
  for (const hints of garbage) {
    const got = parseUserAgent(CHROME_MAC, hints as ClientHints);
    t.equal(got.label, 'Chrome 126 on macOS', JSON.stringify(hints)?.slice(0, 60));
  }
});

t.test('a client description from the backend wins over parsing', async (t) => {
  const got = parseUserAgent(CHROME_MAC, null, { kind: 'app', name: 'Acme Desktop', version: '3.4.5' });
  t.same(got.client, { kind: 'app', name: 'Acme Desktop', version: '3.4.5' });
  t.equal(got.label, 'Acme Desktop 3.4 on macOS');
  t.equal(got.browser.name, 'Chrome', 'browser facts stay as parsed');

  const named = parseUserAgent(CHROME_MAC, null, { name: 'Acme' });
  t.same(named.client, { kind: 'browser', name: 'Acme', version: null }, "a name alone does not borrow Chrome's version");

  const bot = parseUserAgent('Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)', null, {
    kind: 'app',
  });
  t.equal(bot.isBot, false);
  t.not(bot.device.type, 'bot');

  const invalid = parseUserAgent(CHROME_MAC, null, { kind: 'spaceship' as never, name: '  ', version: '' });
  t.same(invalid.client, { kind: 'browser', name: 'Chrome', version: '126.0.0.0' }, 'invalid fields are ignored');
});

t.test('operator patterns come before the built-in rules', async (t) => {
  const parser = createUserAgentParser({
    customPatterns: [
      { pattern: '^AcmeShop/(?<version>\\d[\\w.]*)', name: 'Acme Shop', os: 'Android' },
      { pattern: /^curl\/(\d[\w.]*)/, name: 'Our health check', kind: 'bot' },
      { pattern: 'WeirdTV', name: 'Weird TV', kind: 'browser' },
    ],
  });
  const shop = parser.parse('AcmeShop/5.2.1 (build 77)');
  t.same(shop.client, { kind: 'app', name: 'Acme Shop', version: '5.2.1' });
  t.equal(shop.os.name, 'Android');
  t.equal(shop.device.type, 'mobile');
  t.equal(shop.label, 'Acme Shop 5.2 on Android');

  const probe = parser.parse('curl/8.5.0');
  t.same(probe.client, { kind: 'bot', name: 'Our health check', version: '8.5.0' });
  t.equal(probe.isBot, true);

  t.equal(parser.parse('Mozilla/5.0 weirdtv').client.name, 'Weird TV', 'string patterns are case-insensitive');
  t.equal(parseUserAgent('AcmeShop/5.2.1 (build 77)').client.name, null, 'the default parser has no custom patterns');
});

t.test('deviceKey', async (t) => {
  const info = parseUserAgent(
    'Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/125.0.6422.165 Mobile Safari/537.36',
  );
  t.equal(deviceKey(info), 'browser|android|chrome|pixel 8');
  t.equal(deviceKey(info, 'Device-42'), 'id:Device-42', 'the backend device id wins');
  t.equal(deviceKey(info, '  '), 'browser|android|chrome|pixel 8', 'a blank id is no id');
  t.equal(deviceKey(info, null), 'browser|android|chrome|pixel 8');
  t.equal(deviceKey(parseUserAgent('Immich_iOS_1.119.2')), 'app|ios|immich|');
  t.equal(deviceKey(parseUserAgent(null)), 'unknown|||');
  const newerChrome = parseUserAgent(
    'Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.6478.71 Mobile Safari/537.36',
  );
  t.equal(deviceKey(newerChrome), deviceKey(info), 'a browser update is the same device');
});

t.test('sanitizeUserAgent keeps what may be stored', async (t) => {
  t.equal(sanitizeUserAgent(null), null);
  t.equal(sanitizeUserAgent('  \u0000 '), null);
  t.equal(sanitizeUserAgent('curl/8.5.0\r\nX-Injected: 1'), 'curl/8.5.0 X-Injected: 1');
  t.equal(sanitizeUserAgent('a\u0000b\u007fc\u0085d'), 'a b c d');
  t.equal(sanitizeUserAgent('x'.repeat(5000))?.length, MAX_UA_STORED_LENGTH);
  t.equal(sanitizeUserAgent('x'.repeat(5000), MAX_UA_PARSE_LENGTH)?.length, MAX_UA_PARSE_LENGTH);
  const cutEmoji = sanitizeUserAgent(`${'x'.repeat(MAX_UA_STORED_LENGTH - 1)}😀`);
  t.equal(cutEmoji, `${'x'.repeat(MAX_UA_STORED_LENGTH - 1)}\ufffd`, 'half an emoji becomes U+FFFD');
  t.equal(sanitizeUserAgent('\udc00abc'), '\ufffdabc');
  t.ok(MAX_UA_PARSE_LENGTH < MAX_UA_STORED_LENGTH);
});
