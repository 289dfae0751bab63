import { RegistryError } from '../../clients/typescript/src/index.js';
import { browserTest, launchBrowser, newContext } from './support/browser.js';
import { signIn, startDemo } from './support/demo.js';
import { card, cards, confirmButton, currentCard, desktopUserAgent, focusedKey, historyRow, reportButton, seedDevices, status } from './support/devices-page.js';

// "Was this you?" on flagged sessions: any sign-in after the user's first, from a new device or
// country, is flagged, and its card asks.

browserTest('"Yes, it was me" marks a flagged session as the user\'s, and the card stops asking', async (t) => {
  const demo = await startDemo(t);
  const browser = await launchBrowser(t);
  const page = await (await newContext(browser, { userAgent: desktopUserAgent(browser.version()) })).newPage();
  await signIn(page, demo, 'hugo');
  const seeded = await seedDevices(demo, 'hugo');
  await page.reload();
  await cards(page).nth(4).waitFor();

  const windows = card(page, seeded.windowsGb.session.id);
  await confirmButton(windows).click();
  await windows.locator('.note').waitFor();
  t.equal(await windows.locator('.note').innerText(), 'You confirmed this was you.');
  t.equal(await confirmButton(windows).count(), 0, 'no more question');
  t.equal(await reportButton(windows).count(), 0);
  t.equal(await status(page).innerText(), 'Thanks. Firefox 128 on Windows 10 is marked as yours.');
  t.equal(await focusedKey(page), `card-${seeded.windowsGb.session.id}`, 'focus stays on the card');
  const reviewed = await demo.client.getSession(seeded.windowsGb.session.id);
  t.equal(reviewed.review.state, 'confirmed');
  t.equal(reviewed.status, 'active');
  t.equal(await confirmButton(card(page, seeded.immichUs.session.id)).count(), 1, 'the other cards still ask');

  await page.reload();
  await cards(page).nth(4).waitFor();
  t.equal(await confirmButton(card(page, seeded.windowsGb.session.id)).count(), 0, 'and after a reload');
});

browserTest('"No, it wasn\'t me" ends the session: gone from the list, "Reported as not you" in the history, its token refused', async (t) => {
  const demo = await startDemo(t);
  const browser = await launchBrowser(t);
  const page = await (await newContext(browser, { userAgent: desktopUserAgent(browser.version()) })).newPage();
  await signIn(page, demo, 'iris');
  const seeded = await seedDevices(demo, 'iris');
  await page.reload();
  await cards(page).nth(4).waitFor();

  const immich = card(page, seeded.immichUs.session.id);
  await reportButton(immich).click();
  await immich.waitFor({ state: 'detached' });
  t.equal(await cards(page).count(), 4);
  t.equal(await historyRow(page, seeded.immichUs.session.id).locator('[data-reason]').innerText(), 'Reported as not you');
  t.equal(await status(page).innerText(), 'Immich 1.120 on Android has been signed out and reported. Change your password now.');
  t.equal(await focusedKey(page), 'status', 'focus on the message that says what to do next');

  const reported = await demo.client.getSession(seeded.immichUs.session.id);
  t.equal(reported.endReason, 'reported_by_user');
  t.equal(reported.review.state, 'reported');
  const refused = await demo.client.listMySessions({}, { sessionToken: seeded.immichUs.token }).catch((error: unknown) => error);
  t.ok(RegistryError.is(refused) && refused.status === 401, "the reported session's token gets 401");
  t.same(await demo.client.introspectSessionToken({ token: seeded.immichUs.token }), { active: false });
});

browserTest('a flagged current session can be confirmed, never reported from itself', async (t) => {
  const demo = await startDemo(t);
  const browser = await launchBrowser(t);
  const page = await (await newContext(browser, { userAgent: desktopUserAgent(browser.version()) })).newPage();
  // The user's first sign-in is from elsewhere: this browser is a new device, flagged.
  await demo.client.createSession({ userId: 'jules', ip: '81.2.69.142' });
  await signIn(page, demo, 'jules');
  const current = currentCard(page);
  t.same(await current.locator('[data-flag]').evaluateAll((items) => items.map((li) => li.getAttribute('data-flag'))), ['new_device']);
  t.equal(await confirmButton(current).count(), 1);
  t.equal(await reportButton(current).count(), 0, 'reporting would end the session making the request');

  await confirmButton(current).click();
  await current.locator('.note').waitFor();
  const id = (await current.getAttribute('data-session-id')) as string;
  t.equal((await demo.client.getSession(id)).review.state, 'confirmed');
  t.equal(await currentCard(page).count(), 1, 'still signed in, still "This device"');
});
