// Regional indicator symbols: a flag emoji is the pair of indicators for the ISO 3166-1 alpha-2
// letters, so no lookup table is needed and unknown-but-well-formed codes still render as letters.
const REGIONAL_INDICATOR_A = 0x1f1e6;
const ALPHA2 = /^[A-Za-z]{2}$/;

/** The flag emoji for an ISO 3166-1 alpha-2 country code ("DE" → "🇩🇪"), or null when malformed. */
export function countryFlag(countryCode: string | null | undefined): string | null {
  if (typeof countryCode !== 'string' || !ALPHA2.test(countryCode)) return null;
  const upper = countryCode.toUpperCase();
  return String.fromCodePoint(REGIONAL_INDICATOR_A + upper.charCodeAt(0) - 65, REGIONAL_INDICATOR_A + upper.charCodeAt(1) - 65);
}
