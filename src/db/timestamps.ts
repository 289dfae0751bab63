import pg from 'pg';

// timestamptz values arrive as text; pg's parser reads them with regular expressions, on every
// row of every list page. The pool asks PostgreSQL for UTC (TimeZone=UTC), so the text has one
// fixed shape, read here digit by digit; anything else goes to pg's own parser. The pool sets it
// on its own connections (database.ts).

export const TIMESTAMPTZ = 1184;
const fallback = pg.types.getTypeParser(TIMESTAMPTZ) as (text: string) => Date;

const digits = (text: string, from: number, count: number): number => {
  let value = 0;
  for (let i = from; i < from + count; i++) {
    const d = text.charCodeAt(i) - 48;
    if (d < 0 || d > 9) return Number.NaN;
    value = value * 10 + d;
  }
  return value;
};

/** "2026-12-02 08:01:21.876681+00" → that instant (to the millisecond, as Date holds it). */
export function parseUtcTimestamp(text: string): Date {
  const length = text.length;
  // YYYY-MM-DD HH:MM:SS, then an optional fraction, then +00.
  if (length < 22 || text.charCodeAt(4) !== 45 || text.charCodeAt(10) !== 32 || !text.endsWith('+00')) return fallback(text);
  let ms = 0;
  const end = length - 3;
  if (end > 19) {
    if (text.charCodeAt(19) !== 46) return fallback(text);
    const fraction = text.slice(20, Math.min(end, 23)).padEnd(3, '0');
    ms = digits(fraction, 0, 3);
  }
  const time = Date.UTC(
    digits(text, 0, 4),
    digits(text, 5, 2) - 1,
    digits(text, 8, 2),
    digits(text, 11, 2),
    digits(text, 14, 2),
    digits(text, 17, 2),
    ms,
  );
  return Number.isNaN(time) ? fallback(text) : new Date(time);
}
