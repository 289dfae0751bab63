import type { DeviceInfo } from '../types.js';

type Described = Omit<DeviceInfo, 'label'>;

interface Place {
  text: string;
  /** True when `text` names the device itself ("iPhone", "PlayStation 5"), not its OS. */
  isDevice: boolean;
}

/**
 * The one-line description a person reads on the device list: "Chrome 126 on macOS",
 * "Immich 1.120 on Android", "Safari on iPhone", "Googlebot", "curl 8.5", "Unknown device".
 * Browsers show their major version only; apps and tools show major.minor, which is how their
 * releases are talked about.
 */
export function composeLabel(info: Described): string {
  const { client, browser, device, os } = info;
  if (client.kind === 'bot') return client.name ?? 'Bot';
  if (client.kind === 'api') return withVersion(client.name, majorMinor(client.version)) ?? 'Script or API client';
  const place = placeOf(info);
  if (client.kind === 'app') {
    const app = withVersion(client.name, majorMinor(client.version)) ?? 'App';
    return place ? `${app} on ${place.text}` : app;
  }
  // A TV's or console's built-in browser is part of the device; "Safari 13 on PlayStation 5" would
  // name a browser the owner never chose.
  if (place?.isDevice && (device.type === 'tv' || device.type === 'console')) return place.text;
  const name = client.name ?? browser.name;
  if (name) {
    const version = client.version ?? browser.version;
    // Safari's version is the iOS version, already implied by the device.
    const shown = name === 'Safari' && (os.name === 'iOS' || os.name === 'iPadOS') ? null : major(version);
    const text = withVersion(name, client.kind === 'browser' ? shown : majorMinor(version)) ?? name;
    return place ? `${text} on ${place.text}` : text;
  }
  if (place) return place.isDevice ? place.text : `${place.text} device`;
  return 'Unknown device';
}

function placeOf({ device, os }: Described): Place | null {
  const { vendor, model, type } = device;
  if (vendor === 'Apple' && model && /^(?:iPhone|iPad|iPod touch)$/.test(model)) return { text: model, isDevice: true };
  if (type === 'tv') return { text: tvName(vendor, model), isDevice: true };
  if (type === 'console' && (model || vendor)) return { text: consoleName(vendor, model), isDevice: true };
  if (type === 'wearable' && (model || vendor)) return { text: wearableName(vendor, model), isDevice: true };
  if (os.name) {
    // Windows releases are product names ("Windows 11"); other systems are recognised by name alone.
    const text = os.name === 'Windows' && os.version ? `Windows ${os.version}` : os.name;
    return { text, isDevice: false };
  }
  return null;
}

const TV_NAMES: Record<string, string> = {
  Amazon: 'Fire TV',
  Apple: 'Apple TV',
  Google: 'Chromecast',
  Roku: 'Roku',
  Nvidia: 'NVIDIA SHIELD',
};

function tvName(vendor: string | null, model: string | null): string {
  if (vendor && TV_NAMES[vendor]) return TV_NAMES[vendor];
  if (vendor) return `${vendor} TV`;
  return model && /TV/i.test(model) ? model : 'Smart TV';
}

function consoleName(vendor: string | null, model: string | null): string {
  if (!model) return vendor ?? 'Game console';
  if (vendor === 'Nintendo' && !/^Nintendo/i.test(model)) return `Nintendo ${model}`;
  return model;
}

function wearableName(vendor: string | null, model: string | null): string {
  if (!model) return `${vendor} wearable`;
  if (vendor === 'Samsung' && /^SM-R/i.test(model)) return 'Galaxy Watch';
  if (vendor === 'Facebook' || vendor === 'Meta') return `Meta ${model}`;
  if (!vendor || model.toLowerCase().startsWith(vendor.toLowerCase())) return model;
  return `${vendor} ${model}`;
}

function withVersion(name: string | null, version: string | null): string | null {
  if (!name) return null;
  return version ? `${name} ${version}` : name;
}

function major(version: string | null): string | null {
  return version ? (/^\d+/.exec(version)?.[0] ?? null) : null;
}

function majorMinor(version: string | null): string | null {
  return version ? (/^\d+(?:\.\d+)?/.exec(version)?.[0] ?? null) : null;
}
