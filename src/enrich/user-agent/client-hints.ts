import { cleanText } from '../../text.js';
import type { ClientHints } from '../types.js';

// User-Agent Client Hints (Sec-CH-UA-*) arrive as RFC 8941 structured-header strings relayed by
// the backend. They are untrusted input: every reader here is bounded, tolerant and never throws.

const MAX_HINT_LENGTH = 512;
const MAX_HINT_KEYS = 32;
const QUOTED = /^"((?:[^"\\]|\\.){0,128})"$/;
const BARE_TOKEN = /^[\w .()/-]{1,64}$/;
// One list member: "brand";v="version" (other parameters, if any, are ignored).
const BRAND_ITEM = /"((?:[^"\\]|\\.){1,64})"\s*;\s*v\s*=\s*"((?:[^"\\]|\\.){0,32})"/g;
// Chromium's GREASE brands ("Not-A.Brand", "Not)A;Brand", " Not A;Brand", "Not?A_Brand"…) exist
// only to keep servers from hard-coding the list; they name no browser.
const GREASE_BRAND = /^[^a-z]*not[^a-z]*a[^a-z]*brand[^a-z]*$/i;
const VERSION = /^\d{1,6}(?:\.\d{1,10}){0,4}$/;

export interface BrandVersion {
  name: string;
  version: string;
}

export interface HintFacts {
  /** The most specific brand ("Chrome", "Edge", "Brave"…; "Chromium" only when nothing else). */
  brand: BrandVersion | null;
  /** True when `brand.version` came from the full version list, not the major-only list. */
  fullVersion: boolean;
  platform: string | null;
  platformVersion: string | null;
  mobile: boolean | null;
  model: string | null;
}

// Brand names as the hints spell them → the names ua-parser (and the rest of this module) use.
const BRAND_NAMES: Record<string, string> = {
  'google chrome': 'Chrome',
  'microsoft edge': 'Edge',
  'android webview': 'Chrome WebView',
  headlesschrome: 'Chrome Headless',
  yabrowser: 'Yandex',
  operamobile: 'Opera Mobile',
  huaweibrowser: 'Huawei Browser',
  'miui browser': 'MIUI Browser',
};

const PLATFORM_NAMES: Record<string, string> = {
  windows: 'Windows',
  macos: 'macOS',
  linux: 'Linux',
  android: 'Android',
  ios: 'iOS',
  'chrome os': 'ChromeOS',
  chromeos: 'ChromeOS',
  'chromium os': 'ChromeOS',
  fuchsia: 'Fuchsia',
};

/** The Sec-CH-UA-* headers this module reads, lower-case. */
export const CLIENT_HINT_NAMES = [
  'sec-ch-ua',
  'sec-ch-ua-full-version-list',
  'sec-ch-ua-platform',
  'sec-ch-ua-platform-version',
  'sec-ch-ua-mobile',
  'sec-ch-ua-model',
] as const;

/**
 * The hints worth storing with a session: only the known headers (names lower-cased), string
 * values of at most 512 characters with control characters removed. PostgreSQL refuses NUL in
 * text and `\u0000` in jsonb, so raw client input must not reach either. Null when nothing is left.
 */
export function sanitizeClientHints(hints: unknown): ClientHints | null {
  if (hints === null || typeof hints !== 'object' || Array.isArray(hints)) return null;
  const clean: ClientHints = {};
  for (const key of Object.keys(hints).slice(0, MAX_HINT_KEYS)) {
    const name = key.toLowerCase();
    const value: unknown = (hints as Record<string, unknown>)[key];
    if (!(CLIENT_HINT_NAMES as readonly string[]).includes(name) || typeof value !== 'string') continue;
    const text = cleanText(value, MAX_HINT_LENGTH);
    if (text !== null) clean[name] = text;
  }
  return Object.keys(clean).length > 0 ? clean : null;
}

/** Reads the hints a parser can use; null when none is usable. */
export function readClientHints(hints: ClientHints | null | undefined): HintFacts | null {
  if (hints === null || typeof hints !== 'object' || Array.isArray(hints)) return null;
  const values = new Map<string, string>();
  for (const key of Object.keys(hints).slice(0, MAX_HINT_KEYS)) {
    const value: unknown = hints[key];
    if (typeof value === 'string' && value.length <= MAX_HINT_LENGTH) values.set(key.toLowerCase(), value.trim());
  }
  const get = (name: string): string | null => values.get(name) ?? null;
  const fullList = pickBrand(parseBrandList(get('sec-ch-ua-full-version-list')));
  const majorList = pickBrand(parseBrandList(get('sec-ch-ua')));
  const platformRaw = parseString(get('sec-ch-ua-platform'));
  const platform = platformRaw ? (PLATFORM_NAMES[platformRaw.toLowerCase()] ?? null) : null;
  const platformVersionRaw = parseString(get('sec-ch-ua-platform-version'));
  const model = parseString(get('sec-ch-ua-model'));
  const facts: HintFacts = {
    brand: fullList ?? majorList,
    fullVersion: fullList !== null,
    platform,
    platformVersion: platformVersionRaw && VERSION.test(platformVersionRaw) ? platformVersionRaw : null,
    mobile: parseBoolean(get('sec-ch-ua-mobile')),
    model: model && model.length <= 64 ? model : null,
  };
  const empty = facts.brand === null && facts.platform === null && facts.mobile === null && facts.model === null;
  return empty ? null : facts;
}

/** Members of a brand list such as `"Chromium";v="126", "Google Chrome";v="126", "Not-A.Brand";v="99"`. */
export function parseBrandList(value: string | null): BrandVersion[] {
  if (!value) return [];
  const brands: BrandVersion[] = [];
  for (const match of value.matchAll(BRAND_ITEM)) {
    const name = unescape(match[1]).trim();
    const version = unescape(match[2]).trim();
    if (name && !GREASE_BRAND.test(name) && VERSION.test(version)) brands.push({ name, version });
    if (brands.length >= 8) break;
  }
  return brands;
}

function pickBrand(brands: BrandVersion[]): BrandVersion | null {
  const specific = brands.find((b) => b.name.toLowerCase() !== 'chromium') ?? brands[0];
  if (!specific) return null;
  return { name: BRAND_NAMES[specific.name.toLowerCase()] ?? specific.name, version: specific.version };
}

/** An sf-string (`"Windows"`); a bare token is tolerated because some proxies drop the quotes. */
function parseString(value: string | null): string | null {
  if (!value) return null;
  const quoted = QUOTED.exec(value);
  const text = quoted ? unescape(quoted[1]).trim() : BARE_TOKEN.test(value) ? value : null;
  return text ? text : null;
}

function parseBoolean(value: string | null): boolean | null {
  if (value === '?1') return true;
  if (value === '?0') return false;
  return null;
}

function unescape(text: string): string {
  return text.includes('\\') ? text.replace(/\\(.)/g, '$1') : text;
}

/** "15.0.0" → "15", "14.5.0" → "14.5", "8.1.0" → "8.1": trailing zero components say nothing. */
export function trimVersion(version: string): string {
  return version.replace(/(?:\.0+)+$/, '');
}

/**
 * The Windows release from Sec-CH-UA-Platform-Version: Chromium reports the UniversalApiContract
 * major, which is ≥ 13 on Windows 11 and 1–10 on Windows 10; 0 means Windows 7/8/8.1 (unknown).
 */
export function windowsRelease(platformVersion: string): string | null {
  const major = Number.parseInt(platformVersion, 10);
  if (!Number.isFinite(major) || major <= 0) return null;
  return major >= 13 ? '11' : '10';
}
