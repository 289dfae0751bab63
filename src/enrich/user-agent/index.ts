import { isbot } from 'isbot';
import { LRUCache } from 'lru-cache';
import UAParser from 'ua-parser-js';
import { CLIENT_HINT_NAMES, readClientHints } from './client-hints.js';
import { applyHints, finalize } from './finalize.js';
import type { Facts } from './finalize.js';
import { botIdentity, compileCustomPatterns, matchAppShape, matchCustom, matchKnownClient } from './rules.js';
import type { CustomPattern } from './rules.js';
import {
  mapDeviceType,
  normalizeBrowserName,
  normalizeModel,
  normalizeOsName,
  normalizeVendor,
  normalizeVersion,
  tvVendorOfOs,
} from './normalize.js';
import type { ClientHints, ClientInput, DeviceInfo } from '../types.js';
import { cleanText } from '../../text.js';

export type { CustomPattern } from './rules.js';
export { sanitizeClientHints } from './client-hints.js';

/** Bump when this module's rules change, so stored sessions can be re-parsed. */
const RULES_REVISION = 1;
export const PARSER_VERSION = `ua-parser-js@${UAParser.VERSION}+r${RULES_REVISION}`;

/** Only the first 512 characters are parsed: no real user agent is longer, and parser cost is bounded by it. */
export const MAX_UA_PARSE_LENGTH = 512;
/** The longest user agent worth keeping on a session row (sanitizeUserAgent cuts there). */
export const MAX_UA_STORED_LENGTH = 1024;
const DEFAULT_CACHE_SIZE = 1000;

export type ParsedUserAgent = DeviceInfo & { isBot: boolean };

export interface UserAgentParserOptions {
  customPatterns?: CustomPattern[];
  /** Parse results kept (keyed by user agent and hints); 0 disables the cache. Default 1000. */
  cacheSize?: number;
}

export interface UserAgentParser {
  parse(ua: string | null | undefined, hints?: ClientHints | null, client?: ClientInput | null): ParsedUserAgent;
}

/**
 * The user agent as it may be stored and shown (see cleanText): at most `maxLength` characters.
 * Null when nothing is left.
 */
export function sanitizeUserAgent(ua: string | null | undefined, maxLength: number = MAX_UA_STORED_LENGTH): string | null {
  return cleanText(ua, maxLength);
}

export function createUserAgentParser(options: UserAgentParserOptions = {}): UserAgentParser {
  const custom = compileCustomPatterns(options.customPatterns);
  const cacheSize = options.cacheSize ?? DEFAULT_CACHE_SIZE;
  const cache = cacheSize > 0 ? new LRUCache<string, Facts>({ max: cacheSize }) : null;
  const uaParser = new UAParser();

  function analyse(text: string | null, hints: ClientHints | null | undefined): Facts {
    const facts = readFacts(text);
    const hintFacts = readClientHints(hints);
    if (hintFacts && facts.client.kind !== 'bot' && facts.client.kind !== 'api') applyHints(facts, hintFacts);
    return facts;
  }

  function readFacts(text: string | null): Facts {
    const facts: Facts = {
      os: { name: null, version: null },
      browser: { name: null, version: null },
      device: { type: null, vendor: null, model: null },
      client: { kind: 'unknown', name: null, version: null },
      engine: null,
    };
    if (text === null) return facts;
    const known = matchCustom(text, custom) ?? matchKnownClient(text);
    if (known?.kind === 'api') {
      // A script is not a phone, whatever its user agent claims about the machine it runs on.
      facts.client = { kind: 'api', name: known.name, version: known.version };
      return facts;
    }
    const result = uaParser.setUA(text).getResult();
    const osName = normalizeOsName(result.os.name);
    facts.os = { name: osName, version: normalizeVersion(result.os.version) };
    const browserVersion = normalizeVersion(result.browser.version);
    const browserName = normalizeBrowserName(result.browser.name, browserVersion);
    facts.browser = { name: browserName, version: browserName ? browserVersion : null };
    facts.engine = result.engine.name ?? null;
    const type = mapDeviceType(result.device.type);
    const vendor = normalizeVendor(result.device.vendor) ?? (type === 'tv' ? tvVendorOfOs(osName) : null);
    facts.device = { type, vendor, model: normalizeModel(vendor, result.device.model) };

    if (known === null && isbot(text)) {
      const bot = botIdentity(text);
      facts.client = { kind: 'bot', name: bot.name, version: bot.version };
      return facts;
    }
    // A user agent ua-parser recognises as a browser is one ("Opera/9.80 (Android …) … Opera Mobi"),
    // except Electron, which is a desktop app wearing Chromium.
    const app = known ?? (browserName === null || browserName === 'Electron' ? matchAppShape(text) : null);
    if (app) {
      facts.client = { kind: app.kind, name: app.name, version: app.version };
      if (app.os && app.os.name !== facts.os.name) facts.os = { ...app.os };
      else if (app.os?.version) facts.os.version = app.os.version;
      facts.device.type ??= app.device ?? null;
      return facts;
    }
    if (browserName) facts.client = { kind: 'browser', name: browserName, version: facts.browser.version };
    return facts;
  }

  return {
    parse(ua, hints, client): ParsedUserAgent {
      const text = sanitizeUserAgent(ua, MAX_UA_PARSE_LENGTH)?.replace(/\s{2,}/g, ' ') ?? null;
      const hintKey = hints && typeof hints === 'object' ? hintCacheKey(hints) : '';
      const key = `${text ?? ''}\u0000${hintKey}`;
      let facts = cache?.get(key);
      if (facts === undefined) {
        facts = analyse(text, hints);
        cache?.set(key, facts);
      }
      return finalize(facts, client ?? null);
    },
  };
}

const HINT_NAMES: ReadonlySet<string> = new Set(CLIENT_HINT_NAMES);

function hintCacheKey(hints: ClientHints): string {
  let key = '';
  for (const name of Object.keys(hints).slice(0, 32)) {
    const value: unknown = hints[name];
    if (typeof value === 'string' && HINT_NAMES.has(name.toLowerCase())) key += `${name.toLowerCase()}=${value.slice(0, 512)}\u0001`;
  }
  return key;
}

let defaultParser: UserAgentParser | null = null;

/** Parses with a shared parser that has no custom patterns. */
export function parseUserAgent(ua: string | null | undefined, hints?: ClientHints | null, client?: ClientInput | null): ParsedUserAgent {
  defaultParser ??= createUserAgentParser();
  return defaultParser.parse(ua, hints, client);
}

/**
 * The identity behind "new device": the backend's device id when it has one, otherwise what the
 * user would recognise as the same device — client kind, OS, browser or app, and model.
 */
export function deviceKey(info: DeviceInfo, deviceId?: string | null): string {
  const id = typeof deviceId === 'string' ? deviceId.trim() : '';
  if (id !== '') return `id:${id}`;
  return [info.client.kind, info.os.name, info.client.name ?? info.browser.name, info.device.model]
    .map((part) => (part ?? '').toLowerCase())
    .join('|');
}
