import { readFileSync } from 'node:fs';
import t from 'tap';
import { MAX_UA_PARSE_LENGTH, createUserAgentParser } from '../../src/enrich/user-agent/index.js';

// Deterministic pseudo-random bytes (mulberry32) so a failure can be replayed.
function randomText(length: number, seed: number): string {
  let state = seed >>> 0;
  let text = '';
  for (let i = 0; i < length; i++) {
    state = (state + 0x6d2b79f5) >>> 0;
    let x = state;
    x = Math.imul(x ^ (x >>> 15), x | 1);
    x ^= x + Math.imul(x ^ (x >>> 7), x | 61);
    text += String.fromCharCode(((x ^ (x >>> 14)) >>> 0) % 0x10000);
  }
  return text;
}

const KB = 1024;
const hostile: Array<[string, string]> = [
  ['64 KB of random UTF-16 (lone surrogates, controls, NUL)', randomText(64 * KB, 1)],
  ['64 KB of random latin-1 bytes', Buffer.from(randomText(64 * KB, 2)).toString('latin1')],
  ['100 KB of repeated "Mozilla/5.0 ("', 'Mozilla/5.0 ('.repeat(Math.ceil((100 * KB) / 13))],
  ['100 KB of "("', '('.repeat(100 * KB)],
  ['100 KB of ")"', ')'.repeat(100 * KB)],
  ['100 KB of spaces', ' '.repeat(100 * KB)],
  ['100 KB of product tokens', 'a/1 '.repeat(25 * KB)],
  ['100 KB of quotes', '"'.repeat(100 * KB)],
  ['a bot name that never ends', `Mozilla/5.0 (compatible; ${'x'.repeat(100 * KB)}bot)`],
  ['an app token that never ends', `Immich_Android_${'1'.repeat(100 * KB)}`],
  ['CFNetwork with an endless version', `App/1 CFNetwork/${'1.'.repeat(50 * KB)} Darwin/23.0.0`],
  ['control characters only', '\u0000\u0001\u001b[31m\r\n\u007f\u0085'.repeat(10 * KB)],
  ['header injection', `curl/8.5.0\r\nSet-Cookie: session=stolen\r\n${'A'.repeat(10 * KB)}`],
  ['endless Android model', `Mozilla/5.0 (Linux; Android 14; ${'Pixel '.repeat(20 * KB)}) Chrome/126.0.0.0`],
  ['endless comment in an app shape', `MyApp/1.0 (${'iPhone; '.repeat(20 * KB)})`],
  ['deep nesting', `${'Mozilla/5.0 ('.repeat(20)}${')'.repeat(20)}`.repeat(500)],
];

t.test('hostile user agents parse without throwing into bounded, printable results', async (t) => {
  const parser = createUserAgentParser({ cacheSize: 0 });
  for (const [name, ua] of hostile) {
    const got = parser.parse(ua);
    t.type(got.label, 'string', name);
    t.ok(got.label.length <= 200, `${name}: label is bounded (${got.label.length})`);
    const fields = [
      got.label,
      got.client.name,
      got.client.version,
      got.os.name,
      got.os.version,
      got.browser.name,
      got.browser.version,
      got.device.vendor,
      got.device.model,
    ];
    t.notOk(
      fields.some((v) => v !== null && /[\u0000-\u001f\u007f-\u009f]/.test(v)),
      `${name}: no control characters`,
    );
    // Only the first MAX_UA_PARSE_LENGTH characters are ever looked at: this is what bounds the cost.
    t.same(got, parser.parse(ua.slice(0, MAX_UA_PARSE_LENGTH)), `${name}: parsed as its first ${MAX_UA_PARSE_LENGTH} characters`);
  }
});

t.test('hostile user agents cost a bounded time each', async (t) => {
  const parser = createUserAgentParser({ cacheSize: 0 });
  const ordinary = (
    JSON.parse(readFileSync(new URL('../fixtures/user-agents.json', import.meta.url), 'utf8')) as Array<{ ua: string }>
  ).map((f) => f.ua);
  const timePerParse = (inputs: string[]): number => {
    const started = process.hrtime.bigint();
    for (const ua of inputs) parser.parse(ua);
    return Number(process.hrtime.bigint() - started) / 1e6 / inputs.length;
  };
  const hostileInputs = hostile.map(([, ua]) => ua);
  timePerParse(ordinary); // warm-up: compile the parser's regular expressions
  const ratios: number[] = [];
  const hostileMeans: number[] = [];
  for (let round = 0; round < 15; round++) {
    const normal = timePerParse(ordinary);
    const bad = timePerParse(hostileInputs);
    hostileMeans.push(bad);
    ratios.push(bad / normal);
  }
  const median = (values: number[]) => values.sort((a, b) => a - b)[Math.floor(values.length / 2)];
  // Measured: ~0.15 ms per hostile parse, ~3× an ordinary user agent; without the length cap it is
  // ~6 ms and ~80×. The absolute bound is loose for a slow, busy CI machine; the ratio (both sides
  // measured in the same rounds, medians) is what catches a parser that reads the whole input.
  t.ok(median(hostileMeans) < 5, `median ${median(hostileMeans).toFixed(3)} ms per hostile parse`);
  t.ok(median(ratios) < 25, `hostile parses cost ${median(ratios).toFixed(1)}× an ordinary one`);
});
