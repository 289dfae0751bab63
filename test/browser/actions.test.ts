import { RegistryError } from '../../clients/typescript/src/index.js';
import { browserTest, launchBrowser, newContext } from './support/browser.js';
import { signIn, startDemo } from './support/demo.js';
import {
  card,
  cards,
  currentCard,
  dialog,
  focusedKey,
  historyRow,
  seedDevices,
  signOutButton,
  signOutOthersButton,
  status,
} from './support/devices-page.js';

browserTest('"Sign out" ends another session at once: gone from the list, its token refused, in the history', async (t) => {
  const demo = await startDemo(t);
  const browser = await launchBrowser(t);
  const page = await (await newContext(browser)).newPage();
  await signIn(page, demo, 'carol');
  const seeded = await seedDevices(demo, 'carol');
  await page.reload();
  await cards(page).nth(4).waitFor();
  let reloaded = false;
  page.on('framenavigated', () => (reloaded = true));

  const target = card(page, seeded.immichUs.session.id);
  await signOutButton(target).click();
  await target.waitFor({ state: 'detached' });
  t.equal(await cards(page).count(), 4);
  t.equal(reloaded, false, 'no page reload');
  t.equal(await status(page).innerText(), 'Immich 1.120 on Android has been signed out.');
  t.equal(await historyRow(page, seeded.immichUs.session.id).locator('[data-reason]').innerText(), 'Signed out from another device');
  t.match(await focusedKey(page), /^card-/, 'focus moves to the next card, not to the top of the page');

  const refused = await demo.client.listMySessions({}, { sessionToken: seeded.immichUs.token }).catch((error: unknown) => error);
  t.ok(RegistryError.is(refused) && refused.status === 401, "the ended session's token gets 401");
  t.equal((await demo.client.getSession(seeded.immichUs.session.id)).endReason, 'revoked_by_user');
});

browserTest('"Sign out everywhere else" asks first, then ends every other session and keeps this one', async (t) => {
  const demo = await startDemo(t);
  const browser = await launchBrowser(t);
  const page = await (await newContext(browser)).newPage();
  await signIn(page, demo, 'dana');
  const seeded = await seedDevices(demo, 'dana');
  await page.reload();
  await cards(page).nth(4).waitFor();

  await signOutOthersButton(page).click();
  t.ok(await dialog(page).evaluate((d) => (d as HTMLDialogElement).open), 'a confirmation opens');
  t.equal(await dialog(page).locator('button[data-key="dialog-confirm"]').innerText(), 'Sign out 4 sessions');
  t.equal(await focusedKey(page), 'dialog-cancel', 'the safe choice has focus');
  await page.keyboard.press('Escape');
  t.notOk(await dialog(page).evaluate((d) => (d as HTMLDialogElement).open), 'Escape cancels');
  t.equal(await focusedKey(page), 'sign-out-others', 'focus returns to the button');
  t.equal(await cards(page).count(), 5, 'nothing ended');

  await signOutOthersButton(page).click();
  await dialog(page).locator('button[data-key="dialog-confirm"]').click();
  await cards(page).nth(1).waitFor({ state: 'detached' });
  t.equal(await cards(page).count(), 1);
  t.equal(await currentCard(page).count(), 1, 'this device stays');
  t.equal(await status(page).innerText(), '4 sessions have been signed out.');
  t.equal(await signOutOthersButton(page).count(), 0, 'nothing left to sign out');
  t.equal(await focusedKey(page), 'active-heading');
  for (const device of Object.values(seeded)) {
    t.equal(await historyRow(page, device.session.id).locator('[data-reason]').innerText(), 'Signed out from another device');
    const refused = await demo.client.introspectSessionToken({ token: device.token });
    t.equal(refused.active, false);
  }
  const page2 = await demo.client.listUserSessions('dana', { status: 'active' });
  t.same(
    page2.items.map((s) => s.id),
    [await currentCard(page).getAttribute('data-session-id')],
  );
});

browserTest('two browsers signed in as one user list each other, and one can sign the other out', async (t) => {
  const demo = await startDemo(t);
  const browser = await launchBrowser(t);
  const laptop = await newContext(browser);
  const phone = await newContext(browser, { viewport: { width: 375, height: 800 }, isMobile: true, hasTouch: true });
  const a = await laptop.newPage();
  const b = await phone.newPage();
  await signIn(a, demo, 'erik');
  await signIn(b, demo, 'erik');
  await a.reload();
  await cards(a).nth(1).waitFor();
  await cards(b).nth(1).waitFor();
  const aId = (await currentCard(a).getAttribute('data-session-id')) as string;
  const bId = (await currentCard(b).getAttribute('data-session-id')) as string;
  t.not(aId, bId);
  t.equal(await card(a, bId).count(), 1, 'the laptop lists the phone');
  t.equal(await card(b, aId).count(), 1, 'the phone lists the laptop');
  t.equal(await card(b, aId).locator('.current').count(), 0);

  await signOutButton(card(a, bId)).click();
  await card(a, bId).waitFor({ state: 'detached' });

  // The phone's next request finds its session over: signed out, cookie cleared.
  await b.reload();
  await b.waitForURL(/\/sign-in$/);
  t.same(
    (await phone.cookies()).filter((c) => c.name === 'sid'),
    [],
    'the cookie is cleared',
  );
  t.equal(await a.locator('session-devices article.card').count(), 1);
});

browserTest('an ended session sees "signed out" on the page, and the element tells the host page', async (t) => {
  const demo = await startDemo(t);
  const browser = await launchBrowser(t);
  const page = await (await newContext(browser)).newPage();
  await signIn(page, demo, 'fiona');
  await page.evaluate(() => {
    document.querySelector('session-devices')?.addEventListener('signed-out', () => document.body.setAttribute('data-signed-out', ''));
  });
  const id = (await currentCard(page).getAttribute('data-session-id')) as string;
  await demo.client.endSession(id, { reason: 'admin' });
  await page.evaluate(() => (document.querySelector('session-devices') as unknown as { refresh(): Promise<void> }).refresh());
  t.equal(await page.locator('session-devices [role="alert"]').innerText(), 'You are signed out. Sign in again to see your sessions.');
  t.equal(await page.locator('body[data-signed-out]').count(), 1, 'a signed-out event reached the page');
  t.same(
    (await page.context().cookies()).filter((c) => c.name === 'sid'),
    [],
    'the helper cleared the cookie with the 401',
  );
});
