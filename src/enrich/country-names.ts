import { LRUCache } from 'lru-cache';

let regionNames: Intl.DisplayNames | null | undefined;

// Codes come from the GeoIP database: a few hundred at most.
const countryNames = new LRUCache<string, string>({ max: 1000 });

/** The English name of a country (ISO 3166-1 alpha-2), from Intl.DisplayNames; the code itself when unknown. */
export function englishCountryName(code: string): string {
  let name = countryNames.get(code);
  if (name === undefined) {
    name = displayCountryName(code);
    countryNames.set(code, name);
  }
  return name;
}

function displayCountryName(code: string): string {
  if (regionNames === undefined) {
    try {
      regionNames = new Intl.DisplayNames(['en'], { type: 'region' });
    } catch {
      regionNames = null;
    }
  }
  try {
    return regionNames?.of(code.toUpperCase()) ?? code;
  } catch {
    return code;
  }
}
