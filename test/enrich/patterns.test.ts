import t from 'tap';
import { parseUserAgentPatterns } from '../../src/enrich/user-agent/patterns.js';
import { createUserAgentParser } from '../../src/enrich/user-agent/index.js';

t.test('USER_AGENT_PATTERNS unset or blank means no patterns', async (t) => {
  t.same(parseUserAgentPatterns(null), []);
  t.same(parseUserAgentPatterns(undefined), []);
  t.same(parseUserAgentPatterns('  '), []);
});

t.test('a valid list is returned as parser options and works', async (t) => {
  const patterns = parseUserAgentPatterns(
    '[{"pattern":"^MyShop/(\\\\d[\\\\w.]*)","name":"MyShop","kind":"app","os":"Android"},{"pattern":"uptime-probe","name":"Probe","kind":"bot"}]',
  );
  t.same(patterns, [
    { pattern: '^MyShop/(\\d[\\w.]*)', name: 'MyShop', kind: 'app', os: 'Android' },
    { pattern: 'uptime-probe', name: 'Probe', kind: 'bot' },
  ]);
  const parser = createUserAgentParser({ customPatterns: patterns });
  t.equal(parser.parse('MyShop/2.4.1').label, 'MyShop 2.4 on Android');
  t.equal(parser.parse('Uptime-Probe').isBot, true);
});

t.test('every problem is reported at once, naming the variable', async (t) => {
  t.throws(() => parseUserAgentPatterns('{not json'), /^USER_AGENT_PATTERNS must be a JSON array/);
  t.throws(() => parseUserAgentPatterns('{"pattern":"x"}'), /^USER_AGENT_PATTERNS must be a JSON array/);
  let message = '';
  try {
    parseUserAgentPatterns('[{"pattern":"(unclosed","name":"A"},{"name":""},"x",{"pattern":"ok","name":"B","kind":"robot","os":7}]');
  } catch (error) {
    message = (error as Error).message;
  }
  t.match(message, /USER_AGENT_PATTERNS\[0\]\.pattern is not a valid regular expression/);
  t.match(message, /USER_AGENT_PATTERNS\[1\]\.pattern must be a non-empty string/);
  t.match(message, /USER_AGENT_PATTERNS\[1\]\.name must be a non-empty string/);
  t.match(message, /USER_AGENT_PATTERNS\[2\] must be an object/);
  t.match(message, /USER_AGENT_PATTERNS\[3\]\.kind must be one of browser, app, api, bot, unknown/);
  t.match(message, /USER_AGENT_PATTERNS\[3\]\.os must be a non-empty string/);
});
