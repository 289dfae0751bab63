// Sign-ins "from another device" for the demo: real sessions registered through the service API,
// with the User-Agent and address such a device would send, so the page has something to show
// without a second phone at hand.
export const DEMO_DEVICES = {
  'firefox-windows-gb': {
    label: 'Firefox on Windows, from the United Kingdom',
    userAgent: 'Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:128.0) Gecko/20100101 Firefox/128.0',
    ip: '81.2.69.142',
  },
  'immich-android-us': {
    label: 'The Immich app on an Android phone, from the United States',
    userAgent: 'Immich_Android_1.120.0',
    ip: '8.8.8.8',
  },
  'safari-iphone-se': {
    label: 'Safari on an iPhone, from Sweden',
    userAgent:
      'Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1',
    ip: '89.160.20.112',
  },
  'safari-ipad-fr': {
    label: 'Safari on an iPad, from France',
    userAgent:
      'Mozilla/5.0 (iPad; CPU OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1',
    ip: '193.51.224.1',
  },
} as const;

export type DemoDevice = keyof typeof DEMO_DEVICES;
export const isDemoDevice = (value: unknown): value is DemoDevice => typeof value === 'string' && Object.hasOwn(DEMO_DEVICES, value);
