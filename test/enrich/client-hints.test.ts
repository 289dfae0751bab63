import t from 'tap';
import {
  parseBrandList,
  readClientHints,
  sanitizeClientHints,
  trimVersion,
  windowsRelease,
} from '../../src/enrich/user-agent/client-hints.js';
import { countryFlag } from '../../src/enrich/geo/flag.js';

t.test('brand lists skip GREASE brands and tolerate odd spacing', async (t) => {
  t.same(parseBrandList('"Chromium";v="126", "Google Chrome";v="126", "Not-A.Brand";v="99"'), [
    { name: 'Chromium', version: '126' },
    { name: 'Google Chrome', version: '126' },
  ]);
  for (const grease of ['Not)A;Brand', ' Not A;Brand', 'Not/A)Brand', 'Not_A Brand', 'Not?A_Brand', 'Not(A:Brand', ';Not A Brand']) {
    t.same(parseBrandList(`"${grease}";v="8", "Brave";v="126"`), [{ name: 'Brave', version: '126' }], grease);
  }
  t.same(parseBrandList('"Microsoft Edge" ; v = "126.0.2592.87",,"Chromium";v="126.0.6478.127"'), [
    { name: 'Microsoft Edge', version: '126.0.2592.87' },
    { name: 'Chromium', version: '126.0.6478.127' },
  ]);
  t.same(parseBrandList('"Esc\\"aped";v="1"'), [{ name: 'Esc"aped', version: '1' }]);
  t.same(parseBrandList('"Evil";v="<script>", "Chrome";v'), [], 'versions must be numeric');
  t.same(parseBrandList(null), []);
});

t.test('readClientHints picks the most specific brand and the full version', async (t) => {
  const facts = readClientHints({
    'sec-ch-ua': '"Chromium";v="126", "Microsoft Edge";v="126", "Not-A.Brand";v="99"',
    'sec-ch-ua-full-version-list': '"Chromium";v="126.0.6478.127", "Microsoft Edge";v="126.0.2592.87", "Not-A.Brand";v="99.0.0.0"',
    'sec-ch-ua-platform': '"Windows"',
    'sec-ch-ua-platform-version': '"15.0.0"',
    'sec-ch-ua-mobile': '?0',
    'sec-ch-ua-model': '""',
  });
  t.same(facts, {
    brand: { name: 'Edge', version: '126.0.2592.87' },
    fullVersion: true,
    platform: 'Windows',
    platformVersion: '15.0.0',
    mobile: false,
    model: null,
  });
  t.same(readClientHints({ 'sec-ch-ua': '"Chromium";v="126", "Not-A.Brand";v="99"' })?.brand, { name: 'Chromium', version: '126' });
  t.equal(readClientHints({ 'sec-ch-ua-platform': '"Unknown"' }), null, 'an unknown platform says nothing');
  t.equal(readClientHints({}), null);
  t.equal(readClientHints(null), null);
});

t.test('platform versions', async (t) => {
  t.equal(trimVersion('14.0.0'), '14');
  t.equal(trimVersion('14.5.0'), '14.5');
  t.equal(trimVersion('8.1.0'), '8.1');
  t.equal(trimVersion('10.0.1'), '10.0.1');
  t.equal(windowsRelease('15.0.0'), '11');
  t.equal(windowsRelease('13.0.0'), '11');
  t.equal(windowsRelease('10.0.0'), '10');
  t.equal(windowsRelease('1.0.0'), '10');
  t.equal(windowsRelease('0.1.0'), null);
});

t.test('country flags from ISO codes', async (t) => {
  t.equal(countryFlag('DE'), '🇩🇪');
  t.equal(countryFlag('us'), '🇺🇸');
  t.equal(countryFlag('GB'), '🇬🇧');
  for (const bad of [null, undefined, '', 'D', 'DEU', '1A', 'É']) t.equal(countryFlag(bad), null, String(bad));
});

t.test('sanitizeClientHints keeps only storable, known hints', async (t) => {
  t.same(
    sanitizeClientHints({
      'Sec-CH-UA-Platform': '"Windows"',
      'sec-ch-ua-model': '"Pixel\u0000 8"',
      'sec-ch-ua-mobile': 1,
      cookie: 'session=secret',
      'sec-ch-ua': 'x'.repeat(2000),
    }),
    { 'sec-ch-ua-platform': '"Windows"', 'sec-ch-ua-model': '"Pixel  8"', 'sec-ch-ua': 'x'.repeat(512) },
  );
  t.equal(sanitizeClientHints({ cookie: 'x' }), null);
  t.equal(sanitizeClientHints('sec-ch-ua'), null);
  t.equal(sanitizeClientHints(['"Windows"']), null);
  t.equal(sanitizeClientHints(null), null);
});
