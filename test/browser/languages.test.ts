import type { Page } from 'playwright-core';
import { browserTest, launchBrowser, newContext } from './support/browser.js';
import { signIn, startDemo, type Demo } from './support/demo.js';
import { card, field, historyRow, seedDevices, signOutButton, signOutOthersButton } from './support/devices-page.js';

async function prepare(demo: Demo, page: Page, user: string, lang?: string) {
  await signIn(page, demo, user);
  const seeded = await seedDevices(demo, user);
  await demo.client.endSession(seeded.iphoneSe.session.id, { reason: 'password_change' });
  await page.goto(`${demo.url}/account${lang ? `?lang=${lang}` : ''}`);
  await card(page, seeded.immichUs.session.id).waitFor();
  return seeded;
}

const heading = (page: Page, id: string) => page.locator(`session-devices #${id}`).innerText();

browserTest('French: headings, buttons, fields, reasons and country names', async (t) => {
  const demo = await startDemo(t);
  const browser = await launchBrowser(t);
  const page = await (await newContext(browser)).newPage();
  const seeded = await prepare(demo, page, 'gaston', 'fr');
  t.equal(await page.locator('session-devices [lang]').first().getAttribute('lang'), 'fr', 'marked for screen readers');
  t.equal(await heading(page, 'sd-active-heading'), 'Sessions actives');
  t.equal(await heading(page, 'sd-history-heading'), 'Historique des sessions');
  t.equal(await signOutOthersButton(page).innerText(), 'Déconnecter tous les autres appareils');
  t.equal(await page.locator('session-devices [data-badge="this-device"]').innerText(), 'Cet appareil');
  const immich = card(page, seeded.immichUs.session.id);
  t.equal(await immich.locator('h3').innerText(), 'Immich 1.120 sur Android');
  t.equal(await signOutButton(immich).innerText(), 'Déconnecter');
  t.equal(await immich.locator('[data-field="ip"] dt').innerText(), 'Adresse IP');
  t.equal(await immich.locator('[data-field="last-active"] dt').innerText(), 'Dernière activité');
  t.equal(await field(immich, 'last-active').innerText(), 'Actif maintenant');
  t.match(await field(immich, 'location').innerText(), /États-Unis/, 'country name from Intl.DisplayNames');
  t.equal(
    await immich.locator('[data-flag="new_country"]').innerText(),
    'Première connexion à votre compte depuis ce pays\u202f: États-Unis.',
  );
  t.match(await field(card(page, seeded.windowsGb.session.id), 'location').innerText(), /Royaume-Uni/);
  t.equal(await historyRow(page, seeded.iphoneSe.session.id).locator('[data-reason]').innerText(), 'Mot de passe changé');
  t.match(await field(immich, 'signed-in').innerText(), /(janv|févr|mars|avr|mai|juin|juil|août|sept|oct|nov|déc)/, 'a French date');
});

browserTest('Swedish: from the lang attribute, and from the browser when the page does not say', async (t) => {
  const demo = await startDemo(t);
  const browser = await launchBrowser(t);
  const page = await (await newContext(browser)).newPage();
  const seeded = await prepare(demo, page, 'greta', 'sv');
  t.equal(await heading(page, 'sd-active-heading'), 'Aktiva sessioner');
  t.equal(await heading(page, 'sd-history-heading'), 'Sessionshistorik');
  t.equal(await signOutOthersButton(page).innerText(), 'Logga ut från alla andra enheter');
  t.equal(await page.locator('session-devices [data-badge="this-device"]').innerText(), 'Den här enheten');
  const immich = card(page, seeded.immichUs.session.id);
  t.equal(await signOutButton(immich).innerText(), 'Logga ut');
  t.equal(await immich.locator('[data-field="pages"] dt').innerText(), 'Besökta sidor');
  t.match(await field(immich, 'location').innerText(), /USA/);
  t.match(await field(card(page, seeded.windowsGb.session.id), 'location').innerText(), /Storbritannien/);
  t.equal(await historyRow(page, seeded.iphoneSe.session.id).locator('[data-reason]').innerText(), 'Lösenordet byttes');

  // No lang anywhere on the element or the page's own text: the browser's languages decide.
  const swedish = await (await newContext(browser, { locale: 'sv-SE' })).newPage();
  await signIn(swedish, demo, 'greta');
  await swedish.evaluate(() => document.documentElement.removeAttribute('lang'));
  await swedish.evaluate(() => (document.querySelector('session-devices') as unknown as { refresh(): Promise<void> }).refresh());
  t.equal(await heading(swedish, 'sd-active-heading'), 'Aktiva sessioner');
  const english = await (await newContext(browser, { locale: 'de-DE' })).newPage();
  await signIn(english, demo, 'greta');
  await english.evaluate(() => document.documentElement.removeAttribute('lang'));
  await english.evaluate(() => (document.querySelector('session-devices') as unknown as { refresh(): Promise<void> }).refresh());
  t.equal(await heading(english, 'sd-active-heading'), 'Active sessions', 'a language it does not speak falls back to English');
});

browserTest('changing the lang attribute re-renders in place', async (t) => {
  const demo = await startDemo(t);
  const browser = await launchBrowser(t);
  const page = await (await newContext(browser)).newPage();
  await prepare(demo, page, 'hanna');
  t.equal(await heading(page, 'sd-active-heading'), 'Active sessions');
  await page.evaluate(() => document.querySelector('session-devices')?.setAttribute('lang', 'fr'));
  t.equal(await heading(page, 'sd-active-heading'), 'Sessions actives');
  await page.evaluate(() => document.querySelector('session-devices')?.setAttribute('lang', 'sv-FI'));
  t.equal(await heading(page, 'sd-active-heading'), 'Aktiva sessioner');
});
