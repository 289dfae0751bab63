import { trimVersion, windowsRelease } from './client-hints.js';
import type { HintFacts } from './client-hints.js';
import { composeLabel } from './label.js';
import { isDesktopOs, isMobileOs, vendorOfModel } from './normalize.js';
import { CLIENT_KINDS } from '../types.js';
import type { ClientInput, ClientKind, DeviceInfo, DeviceType } from '../types.js';
import { cleanText as cleanAnyText } from '../../text.js';

const cleanText = (value: unknown): string | null => cleanAnyText(value, 128);

/** What parsing learned, before the caller's own client description and the label are applied. */
export interface Facts {
  os: { name: string | null; version: string | null };
  browser: { name: string | null; version: string | null };
  device: { type: DeviceType | null; vendor: string | null; model: string | null };
  client: { kind: ClientKind; name: string | null; version: string | null };
  engine: string | null;
}

const HANDHELD_OR_FIXED: ReadonlySet<DeviceType | null> = new Set(['tv', 'console', 'wearable']);

/**
 * Client hints are more precise than the frozen user agent: Windows 11 vs 10, the real Android
 * version and model, the full browser version, Brave vs Chrome. Only Chromium sends them, so the
 * brand is ignored when the user agent names a non-Chromium engine (the hints would be forged).
 */
export function applyHints(facts: Facts, hints: HintFacts): void {
  const { os, device, browser } = facts;
  if (hints.platform) {
    const platformVersion = hints.platformVersion;
    if (hints.platform === 'Windows') {
      const release = platformVersion ? windowsRelease(platformVersion) : null;
      const previous = os.name === 'Windows' ? os.version : null;
      facts.os = { name: 'Windows', version: release ?? previous };
    } else if (hints.platform !== os.name) {
      facts.os = { name: hints.platform, version: versionFor(hints.platform, platformVersion) };
    } else {
      facts.os.version = versionFor(hints.platform, platformVersion) ?? os.version;
    }
  }
  if (hints.model) {
    device.model = hints.model;
    device.vendor ??= vendorOfModel(hints.model);
  }
  if (hints.mobile === true && !HANDHELD_OR_FIXED.has(device.type)) device.type = 'mobile';
  const brand = hints.brand;
  const chromium = facts.engine === 'Blink' || browser.name === null;
  if (brand && chromium && (facts.client.kind === 'browser' || facts.client.kind === 'unknown')) {
    const sameMajor = browser.version?.split('.')[0] === brand.version.split('.')[0];
    const version = brand.name === browser.name && sameMajor && !hints.fullVersion ? browser.version : brand.version;
    facts.browser = { name: brand.name, version };
    facts.client = { kind: 'browser', name: brand.name, version };
  }
}

function versionFor(platform: string, platformVersion: string | null): string | null {
  // Linux reports the kernel or nothing; ChromeOS a build number the user agent already carries.
  if (!platformVersion || platform === 'Linux' || platform === 'ChromeOS') return null;
  return trimVersion(platformVersion);
}

/** Applies the backend's client description (it wins), then derives the device type and label. */
export function finalize(facts: Facts, override: ClientInput | null): DeviceInfo & { isBot: boolean } {
  const client = { ...facts.client };
  if (override) {
    if (typeof override.kind === 'string' && (CLIENT_KINDS as readonly string[]).includes(override.kind)) {
      client.kind = override.kind;
    }
    const name = cleanText(override.name);
    const version = cleanText(override.version);
    if (name !== null) {
      client.name = name;
      // A name without a version must not inherit the parsed one (it belonged to another client).
      client.version = version;
    } else if (version !== null) {
      client.version = version;
    }
  }
  const type = deviceTypeOf(facts, client.kind);
  const anonymous = type === 'bot';
  const described = {
    device: { type, vendor: anonymous ? null : facts.device.vendor, model: anonymous ? null : facts.device.model },
    os: { ...facts.os },
    browser: { ...facts.browser },
    client,
  };
  return { ...described, label: composeLabel(described), isBot: client.kind === 'bot' };
}

function deviceTypeOf(facts: Facts, kind: ClientKind): DeviceType {
  if (kind === 'bot') return 'bot';
  // Command-line tools and libraries run on servers as often as on laptops: no guess.
  if (kind === 'api') return 'unknown';
  if (facts.device.type) return facts.device.type;
  if (isMobileOs(facts.os.name)) return facts.device.model?.startsWith('iPad') ? 'tablet' : 'mobile';
  if (isDesktopOs(facts.os.name)) return 'desktop';
  return 'unknown';
}
