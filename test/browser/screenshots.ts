// `npm run screenshots`: pictures of the example's account page for the README (docs/*.png), with
// sessions spread over the last days as a real account would have them. Not part of `npm test`.
import t from 'tap';
import { mkdirSync } from 'node:fs';
import { fixedClock } from '../helper.js';
import { USER_AGENTS } from '../kit/support/registry.js';
import { browserTest, launchBrowser, newContext } from './support/browser.js';
import { signIn, startDemo } from './support/demo.js';
import { cards, desktopUserAgent } from './support/devices-page.js';

const DOCS = new URL('../../docs/', import.meta.url);
const HOUR = 3600 * 1000;

browserTest('screenshots of the account page', async (t) => {
  const now = Date.now();
  const clock = fixedClock(new Date(now - 5 * 24 * HOUR));
  const demo = await startDemo(t, { clock });
  const at = (msAgo: number) => clock.set(new Date(now - msAgo));
  const login = (userAgent: string, ip: string, extra: Record<string, unknown> = {}) =>
    demo.client.createSession({ userId: 'alice', userAgent, ip, loginMethod: 'password', ...extra });

  at(5 * 24 * HOUR);
  const ipad = await login(USER_AGENTS.ipad, '193.51.224.1');
  at(4 * 24 * HOUR);
  await demo.client.logout({ sessionToken: ipad.token });
  at(3 * 24 * HOUR);
  const windows = await login(USER_AGENTS.firefoxWindows, '81.2.69.142');
  // A device the user has named and said was theirs; the later sign-ins still ask "Was this you?".
  await demo.client.updateSession(windows.session.id, { name: 'Office PC' });
  await demo.client.confirmMySession(windows.session.id, { sessionToken: windows.token });
  at(2 * 24 * HOUR + 5 * HOUR);
  await login(USER_AGENTS.chromeMac, '78.31.67.1', { idleTimeoutSeconds: 3600 });
  at(2 * 24 * HOUR);
  const mac = await login(USER_AGENTS.chromeMac, '81.2.69.142');
  at(30 * HOUR);
  const immich = await login(USER_AGENTS.immichAndroid, '8.8.8.8');
  at(26 * HOUR);
  await demo.client.endSession(mac.session.id, { reason: 'password_change' });
  at(2 * HOUR);
  await demo.client.heartbeatSession(windows.session.id, { pageViews: 42 });
  at(25 * 60 * 1000);
  await demo.client.heartbeatSession(immich.session.id, { pageViews: 7 });
  at(4 * HOUR);
  await login(USER_AGENTS.safariIphone, '89.160.20.112');
  clock.set(new Date());

  const browser = await launchBrowser(t);
  mkdirSync(DOCS, { recursive: true });
  // One browser, one session: each picture is the same account seen another way.
  const page = await (await newContext(browser, { userAgent: desktopUserAgent(browser.version()) })).newPage();
  await signIn(page, demo, 'alice');
  const shots = [
    { file: 'session-devices-desktop.png', width: 1100, colorScheme: 'light' as const, lang: 'en' },
    { file: 'session-devices-phone.png', width: 375, colorScheme: 'light' as const, lang: 'en' },
    { file: 'session-devices-dark-fr.png', width: 1100, colorScheme: 'dark' as const, lang: 'fr' },
  ];
  for (const shot of shots) {
    await page.setViewportSize({ width: shot.width, height: 900 });
    await page.emulateMedia({ colorScheme: shot.colorScheme });
    await page.goto(`${demo.url}/account?lang=${shot.lang}`);
    await cards(page).nth(3).waitFor();
    await page.screenshot({ path: new URL(shot.file, DOCS).pathname, fullPage: true });
    t.pass(`wrote docs/${shot.file}`);
  }
});

void t;
