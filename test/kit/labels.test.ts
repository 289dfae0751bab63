import t from 'tap';
import { END_REASONS } from '../../src/sessions/vocabulary.js';
import { DEVICE_TYPES, RISK_FLAGS } from '../../src/enrich/types.js';

// The element speaks every code the API can send, in every language it offers: a new end reason or
// risk flag in the API fails here until it is given words. END_REASONS is what the API's schemas
// list (Session.endReason in openapi.yaml).

t.test('every end reason, risk flag and device type has words in English, French and Swedish', async (t) => {
  const url = new URL('../../clients/typescript/src/generated/session-devices.js', import.meta.url).href;
  const { MESSAGES, LANGUAGES } = (await import(url)) as {
    LANGUAGES: string[];
    MESSAGES: Record<
      string,
      { endReasons: Record<string, string>; risk: Record<string, (country: string) => string>; types: Record<string, string> }
    >;
  };
  t.same([...LANGUAGES].sort(), ['en', 'fr', 'sv']);
  const english = MESSAGES.en;
  for (const language of LANGUAGES) {
    const m = MESSAGES[language];
    t.same(Object.keys(m).sort(), Object.keys(english).sort(), `${language} has every message`);
    for (const reason of END_REASONS) t.ok(m.endReasons[reason], `${language}: end reason ${reason}`);
    t.same(Object.keys(m.endReasons).sort(), [...END_REASONS].sort(), `${language}: no words for a reason the API does not have`);
    for (const flag of RISK_FLAGS) {
      const text = m.risk[flag]?.('Narnia');
      t.ok(text, `${language}: risk flag ${flag}`);
      if (['new_country', 'concurrent_countries', 'impossible_travel'].includes(flag))
        t.match(text, /Narnia/, `${language}: ${flag} names the country`);
    }
    for (const type of DEVICE_TYPES) t.ok(m.types[type], `${language}: device type ${type}`);
    if (language !== 'en') {
      const same = Object.entries(m.endReasons).filter(([key, text]) => english.endReasons[key] === text);
      t.same(same, [], `${language}: end reasons are translated`);
    }
  }
});

t.test('the trust rules have words in every language: confirm from another device, not yet trusted', async (t) => {
  const url = new URL('../../clients/typescript/src/generated/session-devices.js', import.meta.url).href;
  const { MESSAGES, LANGUAGES } = (await import(url)) as { LANGUAGES: string[]; MESSAGES: Record<string, Record<string, unknown>> };
  for (const key of ['confirmElsewhere', 'notYetTrusted']) {
    const seen = new Set<unknown>();
    for (const language of LANGUAGES) {
      const text = MESSAGES[language][key];
      t.type(text, 'string', `${language}: ${key}`);
      t.ok((text as string).length > 20, `${language}: ${key} is a sentence`);
      t.notOk(seen.has(text), `${language}: ${key} is translated`);
      seen.add(text);
    }
  }
  t.match(MESSAGES.en.confirmElsewhere, /another device where you are signed in/);
  t.match(MESSAGES.fr.confirmElsewhere, /autre appareil où vous êtes connecté/);
  t.match(MESSAGES.sv.confirmElsewhere, /annan enhet där du är inloggad/);
});
