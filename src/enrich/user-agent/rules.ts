import type { ClientKind, DeviceType } from '../types.js';

// Clients ua-parser-js does not classify: native apps, HTTP libraries, command-line tools, bots.
// Every pattern is anchored or bounded so that a 512-character hostile string costs microseconds.

export interface ClientMatch {
  kind: ClientKind;
  name: string | null;
  version: string | null;
  /** Set when the rule knows the platform better than ua-parser would. */
  os?: { name: string | null; version: string | null };
  device?: DeviceType;
}

export interface CustomPattern {
  pattern: RegExp | string;
  name: string;
  kind?: ClientKind;
  os?: string;
}

interface CompiledPattern {
  regex: RegExp;
  name: string;
  kind: ClientKind;
  os: string | null;
}

/** String patterns are case-insensitive regular expressions; the named group `version` (or the first group) is the version. */
export function compileCustomPatterns(patterns: readonly CustomPattern[] = []): CompiledPattern[] {
  return patterns.map((p) => ({
    regex: typeof p.pattern === 'string' ? new RegExp(p.pattern, 'i') : new RegExp(p.pattern.source, p.pattern.flags.replace(/[gy]/g, '')),
    name: p.name,
    kind: p.kind ?? 'app',
    os: p.os ?? null,
  }));
}

export function matchCustom(ua: string, patterns: readonly CompiledPattern[]): ClientMatch | null {
  for (const p of patterns) {
    const m = p.regex.exec(ua);
    if (!m) continue;
    const version = m.groups?.version ?? m[1] ?? null;
    return { kind: p.kind, name: p.name, version: version || null, ...(p.os ? { os: { name: p.os, version: null } } : {}) };
  }
  return null;
}

// Lower-cased product token → display name. Runtimes only name the client when nothing more
// specific follows them ("Python/3.12 aiohttp/3.9.5" is aiohttp).
const API_TOKENS = new Map<string, string>(
  Object.entries({
    curl: 'curl',
    wget: 'Wget',
    wget2: 'Wget',
    httpie: 'HTTPie',
    aria2: 'aria2',
    'python-requests': 'python-requests',
    'python-urllib': 'Python-urllib',
    'python-urllib3': 'python-urllib3',
    'python-httpx': 'python-httpx',
    aiohttp: 'aiohttp',
    'go-http-client': 'Go-http-client',
    axios: 'axios',
    'node-fetch': 'node-fetch',
    'node-superagent': 'superagent',
    got: 'got',
    undici: 'undici',
    needle: 'Needle',
    bun: 'Bun',
    deno: 'Deno',
    postmanruntime: 'PostmanRuntime',
    insomnia: 'Insomnia',
    'java-http-client': 'Java HttpClient',
    'apache-httpclient': 'Apache-HttpClient',
    'libwww-perl': 'libwww-perl',
    guzzlehttp: 'GuzzleHttp',
    'rest-client': 'rest-client',
    faraday: 'Faraday',
    reqwest: 'reqwest',
    hackney: 'hackney',
    'ktor-client': 'Ktor',
    restsharp: 'RestSharp',
    'lua-resty-http': 'lua-resty-http',
    'php-soap': 'PHP-SOAP',
    winhttp: 'WinHTTP',
    'microsoft-cryptoapi': 'Microsoft CryptoAPI',
    k6: 'k6',
    'grpc-go': 'grpc-go',
    'grpc-java-okhttp': 'grpc-java',
  }),
);
const RUNTIME_TOKENS = new Map<string, string>(
  Object.entries({
    python: 'Python',
    java: 'Java',
    php: 'PHP',
    ruby: 'Ruby',
    node: 'Node.js',
    'node.js': 'Node.js',
    perl: 'Perl',
  }),
);
const PRODUCT_TOKEN = /^([A-Za-z][\w.+-]{0,40})(?:\/([\w.+-]{1,40}))?$/;
const POWERSHELL = /\b(?:Windows)?PowerShell\/(\d[\w.]{0,20})/;
const JSDOM = /\bjsdom\/(\d[\w.]{0,20})/;

function matchApi(ua: string): ClientMatch | null {
  if (ua.startsWith('Mozilla/')) {
    const ps = POWERSHELL.exec(ua);
    if (ps) return { kind: 'api', name: 'PowerShell', version: ps[1] };
    const dom = JSDOM.exec(ua);
    return dom ? { kind: 'api', name: 'jsdom', version: dom[1] } : null;
  }
  let runtime: ClientMatch | null = null;
  const tokens = ua.replace(/\([^()]{0,200}\)/g, ' ').split(/\s+/, 6);
  for (const token of tokens) {
    const m = PRODUCT_TOKEN.exec(token);
    if (!m) continue;
    const key = m[1].toLowerCase();
    const api = API_TOKENS.get(key);
    if (api) return { kind: 'api', name: api, version: m[2] ?? null };
    const runtimeName = RUNTIME_TOKENS.get(key);
    if (runtimeName) runtime ??= { kind: 'api', name: runtimeName, version: m[2] ?? null };
  }
  return runtime;
}

const IMMICH = /^Immich_(Android|iOS|Unknown)_(\d[\w.+-]{0,31})/i;
// "Nextcloud-android/3.28.1", "Mozilla/5.0 (Android) Nextcloud-android/3.28.1", "Signal-iOS/7.1": apps
// that name their platform in the product token.
const PLATFORM_TOKEN = /^(?:Mozilla\/5\.0 \([^()]{0,40}\) )?([A-Za-z][\w.]{0,40})[-_](Android|iOS)\/(\d[\w.+-]{0,31})/i;
const OKHTTP = /^okhttp\/(\d[\w.-]{0,31})/i;
const DART = /^Dart\/(\d[\w.]{0,15})(?: \(dart:io\))?/;
const DALVIK = /^Dalvik\/\d/;
// "<App>/<build> CFNetwork/<ver> Darwin/<ver> [(<arch>)]": URLSession's default on Apple platforms.
// macOS adds the machine architecture in parentheses; iOS, iPadOS and watchOS do not.
const CFNETWORK = /^(?:([^/\s][^/]{0,63})\/(\S{1,32}) )?CFNetwork\/(\d[\d.]{0,15}) Darwin\/(\d{1,3})[\d.]{0,12}(?: \(([^)]{1,32})\))?/;

function matchAppLibrary(ua: string): ClientMatch | null {
  let m = IMMICH.exec(ua);
  if (m) {
    const platform = m[1].toLowerCase();
    const os = platform === 'android' ? 'Android' : platform === 'ios' ? 'iOS' : null;
    return { kind: 'app', name: 'Immich', version: m[2], os: { name: os, version: null }, device: os ? 'mobile' : 'unknown' };
  }
  if ((m = PLATFORM_TOKEN.exec(ua))) {
    const os = m[2].toLowerCase() === 'android' ? 'Android' : 'iOS';
    return { kind: 'app', name: m[1], version: m[3], os: { name: os, version: null }, device: 'mobile' };
  }
  // Bare HTTP stacks of mobile frameworks: the app is real but anonymous, so the stack names it.
  // OkHttp and Dart also run on servers, so no platform is guessed for them.
  if ((m = OKHTTP.exec(ua))) return { kind: 'app', name: 'okhttp', version: m[1] };
  if ((m = DART.exec(ua))) return { kind: 'app', name: 'Dart', version: m[1] };
  if (DALVIK.test(ua)) return { kind: 'app', name: null, version: null };
  if ((m = CFNETWORK.exec(ua))) {
    const darwin = Number(m[4]);
    const mac = m[5] !== undefined;
    return {
      kind: 'app',
      name: m[1] ? decodeName(m[1]) : 'CFNetwork',
      version: m[1] ? m[2] : m[3],
      os: mac ? { name: 'macOS', version: macosFromDarwin(darwin) } : { name: 'iOS', version: iosFromDarwin(darwin) },
      device: mac ? 'desktop' : 'mobile',
    };
  }
  return null;
}

/** Immich, HTTP libraries, command-line tools and mobile HTTP stacks; null for anything else. */
export function matchKnownClient(ua: string): ClientMatch | null {
  return matchAppLibrary(ua) ?? matchApi(ua);
}

// "Name/1.2.3 (…; Android 14; …)", "Name/1.2.3 (iPhone; iOS 17.1; Scale/3.00)" (AFNetworking),
// "Name/1.2.3 (com.example; build:4; iOS 17.5.1) Alamofire/5.9.1": app name and version up front,
// platform in the comment.
const APP_SHAPE = /^([A-Za-z][\w .+-]{0,40}?)\/v?(\d[\w.+-]{0,31}) ?\(([^()]{0,200})\)/;
const MOBILE_OS = /\b(Android|iOS|iPadOS|iPhone OS)(?:[ /](\d{1,2}(?:[._]\d{1,3}){0,2}))?/;
const APPLE_DEVICE = /\b(iPhone|iPad)\b/;
const NAME_SUFFIX = /[-_ ](?:android|ios|iphone|mobile|app)$/i;
const BOTLIKE = /bot|crawl|spider|scan|fetch|preview/i;
const ELECTRON = /\) ([A-Za-z][\w .-]{0,40}?)\/(\d[\w.]{0,20}) Chrome\/[\d.]{1,20} Electron\/(\d[\w.]{0,20})/;
const BROWSER_TOKENS = /^(?:Safari|Chrome|Chromium|Gecko|AppleWebKit|Version|Mobile|HeadlessChrome)$/;

/** Native apps that describe themselves the common ways; run after bot detection. */
export function matchAppShape(ua: string): ClientMatch | null {
  const m = APP_SHAPE.exec(ua);
  if (m && m[1] !== 'Mozilla' && !BOTLIKE.test(m[1])) {
    const os = MOBILE_OS.exec(m[3]);
    const apple = APPLE_DEVICE.exec(m[3]);
    if (os || apple) {
      const osName = os?.[1] === 'Android' ? 'Android' : 'iOS';
      const osVersion = os?.[2] ? os[2].replace(/_/g, '.') : null;
      const name = m[1].replace(NAME_SUFFIX, '') || m[1];
      const device = apple?.[1] === 'iPad' ? 'tablet' : 'mobile';
      return { kind: 'app', name, version: m[2], os: { name: osName, version: osVersion }, device };
    }
  }
  const electron = ELECTRON.exec(ua);
  if (electron) {
    const own = !BROWSER_TOKENS.test(electron[1]);
    return { kind: 'app', name: own ? electron[1] : 'Electron', version: own ? electron[2] : electron[3] };
  }
  return null;
}

// A product token that says what it is: Googlebot, bingbot, Baiduspider, facebookexternalhit…
const BOT_TOKEN = /([A-Za-z][\w-]{0,40}?(?:bot|spider|crawler|externalhit|fetcher|scraper|preview))(?:[/ ;]v?(\d[\w.]{0,15}))?/i;
const COMPATIBLE = /compatible; ?([A-Za-z][\w .-]{0,40}?)(?:\/(\d[\w.]{0,15}))?[;)]/;
const HEADLESS = /\b(HeadlessChrome|PhantomJS|Chrome-Lighthouse|Puppeteer|Playwright|Selenium)\b(?:\/(\d[\w.]{0,15}))?/;

/** The bot's own name and version as it announces them, for the label. */
export function botIdentity(ua: string): { name: string | null; version: string | null } {
  const m = BOT_TOKEN.exec(ua) ?? HEADLESS.exec(ua) ?? COMPATIBLE.exec(ua);
  if (m) return { name: m[1], version: m[2] ?? null };
  if (!ua.startsWith('Mozilla/')) {
    const first = PRODUCT_TOKEN.exec(ua.split(/[\s;(]/, 1)[0]);
    if (first) return { name: first[1], version: first[2] ?? null };
  }
  return { name: null, version: null };
}

function decodeName(raw: string): string {
  try {
    return decodeURIComponent(raw).trim() || raw;
  } catch {
    return raw;
  }
}

// Darwin 14–24 shipped as iOS 8–18; with Darwin 25 Apple moved to year numbers (iOS 26).
function iosFromDarwin(darwin: number): string | null {
  if (darwin >= 25) return String(darwin + 1);
  return darwin >= 14 ? String(darwin - 6) : null;
}

// Darwin 20–24 are macOS 11–15, earlier ones 10.x; Darwin 25 is macOS 26.
function macosFromDarwin(darwin: number): string | null {
  if (darwin >= 25) return String(darwin + 1);
  if (darwin >= 20) return String(darwin - 9);
  return darwin >= 5 ? `10.${darwin - 4}` : null;
}
