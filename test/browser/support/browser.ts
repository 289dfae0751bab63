import { accessSync, constants } from 'node:fs';
import t, { type Test } from 'tap';
import { chromium, type Browser, type BrowserContext, type BrowserContextOptions } from 'playwright-core';
import { desktopUserAgent } from './devices-page.js';

// Debian's chromium, driven by playwright-core: browser downloads are not part of this project.
export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

export function chromiumMissing(): string | null {
  try {
    accessSync(CHROMIUM, constants.X_OK);
    return null;
  } catch {
    return `chromium not found at ${CHROMIUM}: install it with \`apt-get install chromium\` (or set CHROMIUM_PATH)`;
  }
}

type Teardown = { teardown(fn: () => unknown): void };

/**
 * A browser test: without chromium it fails under CI=true and is skipped elsewhere, saying how to
 * install it either way.
 */
export function browserTest(name: string, fn: (t: Test) => Promise<void>): void {
  const missing = chromiumMissing();
  if (!missing) {
    t.test(name, fn);
  } else if (process.env.CI === 'true') {
    t.test(name, async (t) => {
      t.fail(missing);
    });
  } else {
    t.test(name, { skip: missing }, async () => {});
  }
}

/** A browser on a fresh profile (playwright makes a new user-data dir per launch), closed when the test ends. */
export async function launchBrowser(t: Teardown): Promise<Browser> {
  const browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: ARGS, timeout: 60000 });
  t.teardown(() => browser.close());
  return browser;
}

/**
 * A new context: its own cookies, as a second browser would have. It says it is a person's desktop
 * browser: headless Chromium's own User-Agent is flagged as a bot, and a flagged, unconfirmed new
 * session may not act on the user's other sessions (the registry's trust rules), which a test of
 * those actions needs.
 */
export async function newContext(browser: Browser, options: BrowserContextOptions = {}): Promise<BrowserContext> {
  const context = await browser.newContext({
    viewport: { width: 1100, height: 900 },
    userAgent: desktopUserAgent(browser.version()),
    ...options,
  });
  context.setDefaultTimeout(15000);
  return context;
}
