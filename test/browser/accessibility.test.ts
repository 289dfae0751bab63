import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { Page } from 'playwright-core';
import { browserTest, launchBrowser, newContext } from './support/browser.js';
import { signIn, startDemo } from './support/demo.js';
import {
  cards,
  currentCard,
  desktopUserAgent,
  dialog,
  focusedKey,
  nameInput,
  renameButton,
  seedDevices,
  signOutOthersButton,
} from './support/devices-page.js';

const AXE = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

interface Violation {
  id: string;
  impact: string | null;
  help: string;
  nodes: Array<{ target: unknown[] }>;
}

/** Serious and critical axe-core violations inside the element (the demo's own page around it is not under test). */
async function seriousViolations(page: Page): Promise<string[]> {
  if (!(await page.evaluate(() => 'axe' in window))) await page.addScriptTag({ content: AXE });
  const violations = (await page.evaluate(async () => {
    const axe = (window as unknown as { axe: { run(context: unknown, options: unknown): Promise<{ violations: unknown[] }> } }).axe;
    const result = await axe.run({ include: [['session-devices']] }, { resultTypes: ['violations'] });
    return result.violations;
  })) as Violation[];
  return violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${v.impact} ${v.id}: ${v.help} (${v.nodes.map((n) => JSON.stringify(n.target)).join(', ')})`);
}

browserTest('no serious or critical axe-core violation: light, dark, 375 px, French, dialog open', async (t) => {
  const demo = await startDemo(t);
  const browser = await launchBrowser(t);
  const setup = await (await newContext(browser, { bypassCSP: true })).newPage();
  await signIn(setup, demo, 'ines');
  const seeded = await seedDevices(demo, 'ines');
  await demo.client.endSession(seeded.iphoneSe.session.id, { reason: 'password_change' });

  const variants = [
    { name: 'light, desktop', options: {}, lang: '' },
    { name: 'dark, desktop', options: { colorScheme: 'dark' as const }, lang: '' },
    { name: 'light, 375 px', options: { viewport: { width: 375, height: 812 }, isMobile: true }, lang: '' },
    { name: 'dark, 375 px, French', options: { viewport: { width: 375, height: 812 }, colorScheme: 'dark' as const }, lang: 'fr' },
    { name: 'Swedish', options: {}, lang: 'sv' },
  ];
  for (const variant of variants) {
    const page = await (await newContext(browser, { bypassCSP: true, ...variant.options })).newPage();
    await signIn(page, demo, 'ines', variant.lang || undefined);
    await cards(page).nth(4).waitFor();
    t.same(await seriousViolations(page), [], variant.name);
  }

  const page = await (await newContext(browser, { bypassCSP: true })).newPage();
  await signIn(page, demo, 'ines');
  await renameButton(currentCard(page)).click();
  await nameInput(currentCard(page)).waitFor();
  t.same(await seriousViolations(page), [], 'with a rename form open');
  await signOutOthersButton(page).click();
  t.ok(await dialog(page).evaluate((d) => (d as HTMLDialogElement).open));
  t.same(await seriousViolations(page), [], 'with the confirmation open');

  // The probe reaches inside the shadow root: a nameless button there is reported.
  await page.evaluate(() => {
    const root = document.querySelector('session-devices')?.shadowRoot;
    root?.querySelector('dialog')?.close();
    root?.querySelector('section')?.append(Object.assign(document.createElement('button'), { type: 'button' }));
  });
  t.match((await seriousViolations(page)).join('\n'), /critical button-name/);
});

browserTest('keyboard only: reach the buttons, confirm with the keyboard, and focus lands somewhere sensible', async (t) => {
  const demo = await startDemo(t);
  const browser = await launchBrowser(t);
  const page = await (await newContext(browser, { userAgent: desktopUserAgent(browser.version()) })).newPage();
  await signIn(page, demo, 'jonas');
  await seedDevices(demo, 'jonas');
  await page.reload();
  await cards(page).nth(4).waitFor();
  const [current, next] = await cards(page).evaluateAll((items) => items.slice(0, 2).map((card) => card.getAttribute('data-session-id')));

  // Tab from the page's own header into the element: the first stop inside is "Sign out everywhere else".
  const stops: Array<string | null> = [];
  await page.locator('body').focus();
  for (let i = 0; i < 12 && !stops.includes('sign-out-others'); i++) {
    await page.keyboard.press('Tab');
    stops.push(await focusedKey(page));
  }
  t.ok(stops.includes('sign-out-others'), 'reachable with Tab');
  // Then card by card, in reading order: this device can only be renamed; a flagged card asks
  // "Was this you?" in its warning before its own Rename and Sign out.
  const order: Array<string | null> = [];
  for (let i = 0; i < 5; i++) {
    await page.keyboard.press('Tab');
    order.push(await focusedKey(page));
  }
  t.same(order, [`rename-${current}`, `confirm-${next}`, `report-${next}`, `rename-${next}`, `sign-out-${next}`]);

  await signOutOthersButton(page).focus();
  await page.keyboard.press('Enter');
  t.equal(await focusedKey(page), 'dialog-cancel');
  await page.keyboard.press('Tab');
  t.equal(await focusedKey(page), 'dialog-confirm');
  await page.keyboard.press('Enter');
  await cards(page).nth(1).waitFor({ state: 'detached' });
  t.equal(await focusedKey(page), 'active-heading', 'focus on the list that changed');
  t.equal(await page.locator('session-devices [role="status"]').innerText(), '4 sessions have been signed out.');
});
