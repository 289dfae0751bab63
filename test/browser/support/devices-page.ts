import type { Locator, Page } from 'playwright-core';
import type { Demo } from './demo.js';
import { USER_AGENTS } from '../../kit/support/registry.js';

// What a test reads off the <session-devices> page. Playwright's CSS locators reach into the
// element's open shadow root. Each behaviour (signing out, "Was this you?", device names) has its
// locators here and a test file of its own, seeded through the API that produces it.

export const element = (page: Page) => page.locator('session-devices');
export const cards = (page: Page) => page.locator('session-devices article.card');
export const card = (page: Page, sessionId: string) => page.locator(`session-devices article.card[data-session-id="${sessionId}"]`);
export const currentCard = (page: Page) => page.locator('session-devices article.card.current');
export const field = (card: Locator, name: string) => card.locator(`[data-field="${name}"] dd`);
export const historyRow = (page: Page, sessionId: string) => page.locator(`session-devices tr[data-session-id="${sessionId}"]`);
export const historyRows = (page: Page) => page.locator('session-devices tbody tr');
export const status = (page: Page) => page.locator('session-devices [role="status"]');
export const signOutButton = (card: Locator) => card.locator('button[data-action="sign-out"]');
export const signOutOthersButton = (page: Page) => page.locator('session-devices button[data-key="sign-out-others"]');
export const confirmButton = (card: Locator) => card.locator('button[data-action="confirm"]');
export const reportButton = (card: Locator) => card.locator('button[data-action="report"]');
export const renameButton = (card: Locator) => card.locator('button[data-key^="rename-"]');
export const nameInput = (card: Locator) => card.locator('input[data-key^="name-input-"]');
export const dialog = (page: Page) => page.locator('session-devices dialog');

/** The shadow-root element that has focus, as `data-key`. */
export const focusedKey = (page: Page) =>
  page.evaluate(() => (document.querySelector('session-devices')?.shadowRoot?.activeElement as HTMLElement | null)?.dataset.key ?? null);

/** A desktop browser's User-Agent for this Chromium: the page then shows the device as a person's browser. */
export const desktopUserAgent = (version: string) =>
  `Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/${version.split('.')[0]}.0.0.0 Safari/537.36`;

/** Other devices of one user, registered through the service API as their backends would. */
export async function seedDevices(demo: Demo, userId: string) {
  const create = (userAgent: string, ip: string) => demo.client.createSession({ userId, userAgent, ip, loginMethod: 'password' });
  return {
    windowsGb: await create(USER_AGENTS.firefoxWindows, '81.2.69.142'),
    immichUs: await create(USER_AGENTS.immichAndroid, '8.8.8.8'),
    ipadBrazil: await create(USER_AGENTS.ipad, '2.16.0.1'),
    iphoneSe: await create(USER_AGENTS.safariIphone, '89.160.20.112'),
  };
}
