// Language choice and everything that turns an API value into words: dates, durations, places, device names.
import { LANGUAGES } from './texts/index.js';

/**
 * @typedef {import('./types.js').Session} Session
 * @typedef {import('./types.js').Location} Location
 * @typedef {import('./texts/index.js').Messages} Messages
 * @typedef {import('./texts/index.js').Language} Language
 */

/**
 * The language of the page: the element's own `lang`, else the nearest ancestor's, else the
 * browser's first supported language. The full tag is kept for Intl (fr-CA dates, sv-FI numbers).
 * @param {Element} element
 * @returns {{ language: Language, locale: string }}
 */
export function chooseLanguage(element) {
  const own = element.closest('[lang]')?.getAttribute('lang') ?? '';
  const candidates = [own, ...(typeof navigator === 'undefined' ? [] : (navigator.languages ?? [navigator.language]))].filter(Boolean);
  for (const tag of candidates) {
    const primary = /** @type {Language} */ (tag.toLowerCase().split('-')[0]);
    if (LANGUAGES.includes(primary)) {
      let locale = tag;
      try {
        locale = Intl.getCanonicalLocales(tag)[0];
      } catch {
        locale = primary;
      }
      return { language: primary, locale };
    }
  }
  return { language: 'en', locale: 'en' };
}

/** @param {string} locale */
export function createFormat(locale) {
  const dateTime = new Intl.DateTimeFormat(locale, { dateStyle: 'medium', timeStyle: 'short' });
  const relative = new Intl.RelativeTimeFormat(locale, { numeric: 'auto' });
  const number = new Intl.NumberFormat(locale);
  /** @type {Intl.DisplayNames | null} */
  let regions = null;
  try {
    regions = new Intl.DisplayNames([locale], { type: 'region' });
  } catch {
    regions = null;
  }
  /** @param {string} unit @param {number} value */
  const unit = (unit, value) => new Intl.NumberFormat(locale, { style: 'unit', unit, unitDisplay: 'long' }).format(value);
  /** @param {string} unit @param {number} value */
  const shortUnit = (unit, value) => new Intl.NumberFormat(locale, { style: 'unit', unit, unitDisplay: 'short' }).format(value);
  return {
    /** @param {string} iso */
    dateTime: (iso) => dateTime.format(new Date(iso)),
    /** @param {number} n */
    number: (n) => number.format(n),
    /** @param {string | null | undefined} code */
    country: (code) => {
      if (!code) return null;
      try {
        return regions?.of(code.toUpperCase()) ?? code;
      } catch {
        return code;
      }
    },
    /** @param {string} iso @param {number} now */
    relative(iso, now) {
      const seconds = Math.round((new Date(iso).getTime() - now) / 1000);
      const abs = Math.abs(seconds);
      if (abs < 60) return relative.format(0, 'second');
      if (abs < 3600) return relative.format(Math.round(seconds / 60), 'minute');
      if (abs < 86400) return relative.format(Math.round(seconds / 3600), 'hour');
      if (abs < 86400 * 30) return relative.format(Math.round(seconds / 86400), 'day');
      if (abs < 86400 * 365) return relative.format(Math.round(seconds / (86400 * 30)), 'month');
      return relative.format(Math.round(seconds / (86400 * 365)), 'year');
    },
    /** @param {number} seconds @param {string} lessThanAMinute */
    duration(seconds, lessThanAMinute) {
      if (seconds < 60) return lessThanAMinute;
      const days = Math.floor(seconds / 86400);
      const hours = Math.floor((seconds % 86400) / 3600);
      const minutes = Math.floor((seconds % 3600) / 60);
      if (days === 0 && hours === 0) return unit('minute', minutes);
      if (days === 0) return minutes === 0 ? unit('hour', hours) : `${shortUnit('hour', hours)} ${shortUnit('minute', minutes)}`;
      return hours === 0 ? unit('day', days) : `${shortUnit('day', days)} ${shortUnit('hour', hours)}`;
    },
  };
}
/** @typedef {ReturnType<typeof createFormat>} Format */

/** "Active now" within the last minute, else "5 minutes ago". @param {string} iso @param {number} now @param {Messages} m @param {Format} f */
export function lastActive(iso, now, m, f) {
  return now - new Date(iso).getTime() < 60000 ? m.activeNow : f.relative(iso, now);
}

/** Major version of a browser ("126.0.0.0" → "126"), major.minor of an app ("1.120.0" → "1.120"). */
export function shortVersion(/** @type {string | null} */ version, /** @type {number} */ parts) {
  if (!version) return '';
  return version.split('.').slice(0, parts).join('.');
}

/**
 * What a person calls the session: "Chrome 126 on macOS", "Immich 1.120 on Android", in their language.
 * @param {Session} session @param {Messages} m
 */
export function describe(session, m) {
  const isApp = session.client.kind === 'app';
  const software = isApp
    ? [session.client.name, shortVersion(session.client.version, 2)]
    : session.browser.name
      ? [session.browser.name, shortVersion(session.browser.version, 1)]
      : [session.client.name, shortVersion(session.client.version, 2)];
  const what = software.filter(Boolean).join(' ');
  const os = [session.os.name, session.os.version].filter(Boolean).join(' ');
  const type = /** @type {Record<string, string>} */ (m.types)[session.device.type] ?? m.types.unknown;
  const label = what && os ? m.on(what, os) : what || os || type;
  const hardware = [session.device.vendor, session.device.model].filter(Boolean).join(' ');
  const kind = isApp ? `${m.app} · ${type}` : type;
  const name = typeof session.name === 'string' && session.name.trim() ? session.name.trim() : null;
  return {
    title: name ?? label,
    subtitle: [name ? label : null, kind, hardware || null].filter(Boolean).join(' · '),
    icon: isApp ? 'app' : session.device.type,
  };
}

/** @param {Location | null} location @param {Format} f */
export function placeOf(location, f) {
  if (!location) return null;
  const country = f.country(location.countryCode) ?? location.country;
  const parts = [location.city, location.region, country].filter((part, i, all) => part && all.indexOf(part) === i);
  return parts.length ? { text: parts.join(', '), flag: location.flag, country } : null;
}
