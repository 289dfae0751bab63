// English country names from the runtime's CLDR data (Intl.DisplayNames), which follows ISO 3166
// changes with each Node release; the flat City layout carries codes only.
let displayNames: Intl.DisplayNames | null | undefined;
const names = new Map<string, string | null>();
// Codes come from the database: a few hundred at most, but a damaged file could invent more.
const NAME_CACHE_LIMIT = 1000;

/** "DE" → "Germany"; null for a code the runtime does not know. */
export function englishCountryName(code: string): string | null {
  const cached = names.get(code);
  if (cached !== undefined) return cached;
  const name = displayName(code);
  if (names.size < NAME_CACHE_LIMIT) names.set(code, name);
  return name;
}

function displayName(code: string): string | null {
  if (displayNames === undefined) {
    try {
      displayNames = new Intl.DisplayNames(['en'], { type: 'region', fallback: 'none' });
    } catch {
      displayNames = null;
    }
  }
  try {
    return displayNames?.of(code) ?? null;
  } catch {
    return null;
  }
}
