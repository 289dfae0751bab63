import { browserTest, launchBrowser, newContext } from './support/browser.js';
import { signIn, startDemo } from './support/demo.js';
import {
  card,
  cards,
  currentCard,
  desktopUserAgent,
  focusedKey,
  nameInput,
  renameButton,
  seedDevices,
  status,
} from './support/devices-page.js';

// Device names: the user calls a device what they like; the name heads its card, the derived label
// moves to the line below.

browserTest('"Rename" names a device: the card\'s heading and the registry\'s name; an empty name clears it', async (t) => {
  const demo = await startDemo(t);
  const browser = await launchBrowser(t);
  const page = await (await newContext(browser, { userAgent: desktopUserAgent(browser.version()) })).newPage();
  await signIn(page, demo, 'karl');
  const seeded = await seedDevices(demo, 'karl');
  await page.reload();
  await cards(page).nth(4).waitFor();
  const id = seeded.windowsGb.session.id;
  const windows = card(page, id);

  await renameButton(windows).click();
  t.equal(await focusedKey(page), `name-input-${id}`, 'the field takes focus');
  t.equal(await nameInput(windows).inputValue(), '', 'empty while the device has no name');
  await nameInput(windows).fill('  Office PC  ');
  await page.keyboard.press('Enter');
  await nameInput(windows).waitFor({ state: 'detached' });
  t.equal(await windows.locator('h3').innerText(), 'Office PC');
  t.match(await windows.locator('.subtitle').innerText(), /^Firefox 128 on Windows 10 · Computer/, 'the label stays, below the name');
  t.equal(await status(page).innerText(), 'Renamed to Office PC.');
  t.equal(await focusedKey(page), `rename-${id}`, 'focus back on Rename');
  t.equal(await renameButton(windows).getAttribute('aria-label'), 'Rename Office PC');
  t.equal((await demo.client.getSession(id)).name, 'Office PC', 'trimmed, as the registry keeps it');

  await page.reload();
  await cards(page).nth(4).waitFor();
  t.equal(await card(page, id).locator('h3').innerText(), 'Office PC', "the name is the registry's, not the page's");

  await renameButton(card(page, id)).click();
  t.equal(await nameInput(card(page, id)).inputValue(), 'Office PC', 'the field starts from the current name');
  await nameInput(card(page, id)).fill('');
  await card(page, id).locator('button[type="submit"]').click();
  await nameInput(card(page, id)).waitFor({ state: 'detached' });
  t.equal(await card(page, id).locator('h3').innerText(), 'Firefox 128 on Windows 10', 'the derived label again');
  t.equal((await demo.client.getSession(id)).name, null, 'an empty name clears it');
});

browserTest('the current device can be named too, and Cancel changes nothing', async (t) => {
  const demo = await startDemo(t);
  const browser = await launchBrowser(t);
  const page = await (await newContext(browser, { userAgent: desktopUserAgent(browser.version()) })).newPage();
  await signIn(page, demo, 'lisa');
  const current = currentCard(page);
  const id = (await current.getAttribute('data-session-id')) as string;

  await renameButton(current).click();
  await nameInput(current).fill('Never saved');
  await current.locator('button[type="button"]', { hasText: 'Cancel' }).click();
  t.equal(await nameInput(current).count(), 0);
  t.equal(await focusedKey(page), `rename-${id}`);
  t.equal((await demo.client.getSession(id)).name, null, 'nothing was sent');

  await renameButton(current).click();
  await nameInput(current).fill('My laptop');
  await page.keyboard.press('Enter');
  await nameInput(current).waitFor({ state: 'detached' });
  t.equal(await current.locator('h3').innerText(), 'My laptop');
  t.equal(await current.locator('[data-badge="this-device"]').count(), 1, 'still "This device"');
  t.equal((await demo.client.getSession(id)).name, 'My laptop');
});
