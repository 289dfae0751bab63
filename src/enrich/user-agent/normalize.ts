import type { DeviceType } from '../types.js';

// ua-parser-js speaks in its own vocabulary ("Mac OS", "Mobile Safari", "smarttv", "Chromium OS",
// model "K"). These helpers turn it into the names a person expects on a device list.

const OS_NAMES: Record<string, string> = {
  'mac os': 'macOS',
  macos: 'macOS',
  'os x': 'macOS',
  'chromium os': 'ChromeOS',
  'chrome os': 'ChromeOS',
  chromeos: 'ChromeOS',
  android: 'Android',
  ios: 'iOS',
  ipados: 'iPadOS',
  watchos: 'watchOS',
  windows: 'Windows',
  linux: 'Linux',
  webos: 'webOS',
  tizen: 'Tizen',
  playstation: 'PlayStation',
  harmonyos: 'HarmonyOS',
  'wear os': 'Wear OS',
};

const BROWSER_NAMES: Record<string, string | null> = {
  'mobile safari': 'Safari',
  'mobile firefox': 'Firefox',
  'mobile chrome': 'Chrome',
  'chrome mobile': 'Chrome',
  'opera mobi': 'Opera Mobile',
  ie: 'Internet Explorer',
  iemobile: 'Internet Explorer Mobile',
  // Engines and bare product names are not browsers; showing "WebKit 537" helps nobody.
  webkit: null,
  mozilla: null,
  netfront: 'NetFront',
};

// Operating systems whose devices ua-parser leaves untyped because they are ordinary computers.
const DESKTOP_OSES = new Set(
  [
    'Windows',
    'macOS',
    'Linux',
    'ChromeOS',
    'Ubuntu',
    'Kubuntu',
    'Xubuntu',
    'Lubuntu',
    'Debian',
    'Fedora',
    'RedHat',
    'Red Hat',
    'CentOS',
    'SUSE',
    'openSUSE',
    'Mint',
    'Arch',
    'Manjaro',
    'Gentoo',
    'Slackware',
    'Mageia',
    'Mandriva',
    'PCLinuxOS',
    'Zenwalk',
    'VectorLinux',
    'Knoppix',
    'elementary OS',
    'Deepin',
    'FreeBSD',
    'OpenBSD',
    'NetBSD',
    'DragonFly',
    'GhostBSD',
    'Solaris',
    'Unix',
    'Haiku',
    'BeOS',
    'OS/2',
    'AIX',
    'HP-UX',
    'Hurd',
    'GNU',
    'Sabayon',
    'Linpus',
    'Morph OS',
    'Amiga OS',
    'RISC OS',
    'Plan9',
    'Minix',
    'OpenVMS',
    'SerenityOS',
  ].map((name) => name.toLowerCase()),
);

const MOBILE_OSES = new Set(['android', 'ios', 'ipados', 'harmonyos']);

const DEVICE_TYPES: Record<string, DeviceType> = {
  mobile: 'mobile',
  tablet: 'tablet',
  smarttv: 'tv',
  console: 'console',
  wearable: 'wearable',
  xr: 'wearable',
  // Cars, smart speakers, set-top SoCs: nothing a person would call by a device class.
  embedded: 'unknown',
};

export function normalizeOsName(name: string | null | undefined): string | null {
  if (!name) return null;
  return OS_NAMES[name.toLowerCase()] ?? name;
}

/** Only numeric versions are versions: ua-parser reports webOS "TV" and Xbox "One" as versions. */
export function normalizeVersion(version: string | null | undefined): string | null {
  if (!version || !/^\d/.test(version)) return null;
  return version.replace(/_/g, '.').replace(/\.+$/, '').slice(0, 32);
}

export function normalizeBrowserName(name: string | null | undefined, version: string | null): string | null {
  if (!name) return null;
  const key = name.toLowerCase();
  if (key in BROWSER_NAMES) return BROWSER_NAMES[key];
  // ua-parser falls back to "Safari" with no version for any WebKit page it cannot place (TVs,
  // set-top boxes); that is a guess, not a browser.
  if (key === 'safari' && version === null) return null;
  return name;
}

export function mapDeviceType(type: string | null | undefined): DeviceType | null {
  return type ? (DEVICE_TYPES[type] ?? null) : null;
}

export function isDesktopOs(os: string | null): boolean {
  return os !== null && DESKTOP_OSES.has(os.toLowerCase());
}

export function isMobileOs(os: string | null): boolean {
  return os !== null && MOBILE_OSES.has(os.toLowerCase());
}

const LOCALE = /^[a-z]{2}[-_][a-z]{2}$/i;

/** ua-parser's placeholder vendor is no vendor. */
export function normalizeVendor(vendor: string | null | undefined): string | null {
  return vendor && vendor !== 'Generic' ? vendor : null;
}

export function normalizeModel(vendor: string | null, model: string | null | undefined): string | null {
  if (!model) return null;
  const trimmed = model.trim();
  // Chrome's reduced Android user agent replaces the model with the literal "K"; ua-parser's
  // fallback "Generic" vendor comes with whatever token sat there (a locale, "Android 6.0").
  if (trimmed === '' || trimmed === 'K' || LOCALE.test(trimmed) || /^Android\b/i.test(trimmed)) return null;
  if (vendor === 'Apple' && trimmed.toLowerCase() === 'watch') return 'Apple Watch';
  return trimmed.slice(0, 64);
}

const VENDOR_BY_MODEL: ReadonlyArray<readonly [RegExp, string]> = [
  [/^Pixel\b/i, 'Google'],
  [/^(?:SM-|Galaxy\b)/i, 'Samsung'],
  [/^(?:iPhone|iPad|iPod)\b/, 'Apple'],
  [/^(?:Redmi|POCO|Mi )/i, 'Xiaomi'],
  [/^(?:moto\b|XT\d{4})/i, 'Motorola'],
  [/^ONEPLUS\b/i, 'OnePlus'],
];

/** The maker of a model named by Sec-CH-UA-Model, when the name gives it away. */
export function vendorOfModel(model: string): string | null {
  for (const [pattern, vendor] of VENDOR_BY_MODEL) if (pattern.test(model)) return vendor;
  return null;
}

/** Smart-TV platforms that belong to one maker even when the user agent does not say so. */
export function tvVendorOfOs(os: string | null): string | null {
  if (os === 'Tizen') return 'Samsung';
  if (os === 'webOS') return 'LG';
  return null;
}
