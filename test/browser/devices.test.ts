import { browserTest, launchBrowser, newContext } from './support/browser.js';
import { signIn, startDemo } from './support/demo.js';
import {
  card,
  cards,
  confirmButton,
  currentCard,
  desktopUserAgent,
  field,
  historyRow,
  renameButton,
  reportButton,
  seedDevices,
  signOutButton,
} from './support/devices-page.js';
import { fixedClock } from '../helper.js';

browserTest('each session shows its device, place, activity and login, and only the current one is "This device"', async (t) => {
  const demo = await startDemo(t);
  const browser = await launchBrowser(t);
  const page = await (await newContext(browser, { userAgent: desktopUserAgent(browser.version()) })).newPage();
  await signIn(page, demo, 'alice');
  const seeded = await seedDevices(demo, 'alice');
  await demo.client.heartbeatSession(seeded.windowsGb.session.id, { pageViews: 5 });
  await page.reload();
  await cards(page).nth(4).waitFor();
  t.equal(await cards(page).count(), 5);

  // The current session: first, badged, no sign-out button, the request's own address (the helper
  // forwards it; the registry trusts the helper's address through TRUST_PROXY).
  const current = currentCard(page);
  t.equal(await current.getAttribute('data-session-id'), await cards(page).first().getAttribute('data-session-id'), 'listed first');
  t.equal(await page.locator('session-devices [data-badge="this-device"]').count(), 1, 'one badge on the page');
  t.equal((await current.locator('[data-badge="this-device"]').innerText()).trim(), 'This device');
  t.equal(await signOutButton(current).count(), 0, 'no sign-out on the current session');
  t.equal(await field(current, 'ip').innerText(), '127.0.0.1');
  t.equal(await field(current, 'location').innerText(), 'Unknown location');
  t.match(await current.locator('h3').innerText(), /^Chromium \d+ on Linux$/);
  const currentId = (await current.getAttribute('data-session-id')) as string;
  const registered = await demo.client.getSession(currentId);
  t.equal(await field(current, 'pages').innerText(), String(registered.activity.pageViews), 'pages visited as the registry counted them');
  t.ok(registered.activity.pageViews >= 1, 'the account page view was counted through the helper');

  const windows = card(page, seeded.windowsGb.session.id);
  t.equal(await windows.locator('h3').innerText(), 'Firefox 128 on Windows 10');
  t.match(await windows.locator('.subtitle').innerText(), /^Computer/);
  t.equal(await windows.locator('[data-device]').getAttribute('data-device'), 'desktop');
  t.equal(await field(windows, 'ip').innerText(), '81.2.69.142');
  t.match(await field(windows, 'location').innerText(), /🇬🇧\s*Bracknell, England, United Kingdom/);
  t.equal(await field(windows, 'last-active').innerText(), 'Active now');
  t.match(await field(windows, 'signed-in').innerText(), new RegExp(String(new Date().getUTCFullYear())));
  t.equal(await field(windows, 'pages').innerText(), '5');
  t.equal(await signOutButton(windows).getAttribute('aria-label'), 'Sign out Firefox 128 on Windows 10');
  t.same(await windows.locator('[data-flag]').evaluateAll((items) => items.map((li) => li.getAttribute('data-flag'))), ['new_device']);
  t.equal(await windows.locator('[data-flag="new_device"]').innerText(), 'First sign-in to your account from this device.');

  const immich = card(page, seeded.immichUs.session.id);
  t.equal(await immich.locator('h3').innerText(), 'Immich 1.120 on Android');
  t.equal(await immich.locator('[data-device]').getAttribute('data-device'), 'app');
  t.match(await immich.locator('.subtitle').innerText(), /^App · Phone/);
  t.match(await field(immich, 'location').innerText(), /🇺🇸\s*United States/);
  t.equal(await immich.locator('[data-flag="new_country"]').innerText(), 'First sign-in to your account from United States.');
  t.match(await immich.locator('[data-flag="concurrent_countries"]').innerText(), /while your account was in use in another country/);

  const ipad = card(page, seeded.ipadBrazil.session.id);
  t.equal(await ipad.locator('[data-device]').getAttribute('data-device'), 'tablet');
  t.match(await ipad.locator('.subtitle').innerText(), /Tablet · Apple iPad/);
  t.match(await field(ipad, 'location').innerText(), /🇧🇷\s*Porto Alegre, Rio Grande do Sul, Brazil/);

  const iphone = card(page, seeded.iphoneSe.session.id);
  t.equal(await iphone.locator('[data-device]').getAttribute('data-device'), 'mobile');
  t.match(await field(iphone, 'location').innerText(), /🇸🇪\s*Kristinehamn, Varmland County, Sweden/);

  // Every flagged card asks "Was this you?"; the current one here was not flagged. Every card can be renamed.
  for (const device of Object.values(seeded)) {
    const flagged = card(page, device.session.id);
    t.equal(await flagged.locator('.review').getAttribute('aria-label'), 'Was this you?');
    t.equal(await confirmButton(flagged).innerText(), 'Yes, it was me');
    t.equal(await reportButton(flagged).innerText(), 'No, it wasn’t me');
  }
  t.equal(await current.locator('.review').count(), 0, 'nothing to ask about the unflagged current session');
  t.equal(await renameButton(page.locator('session-devices')).count(), 5, 'a Rename on every card');
  t.equal(await renameButton(windows).getAttribute('aria-label'), 'Rename Firefox 128 on Windows 10');
});

browserTest('history shows how each session ended, how long it lasted, and relative times', async (t) => {
  const clock = fixedClock(new Date(Date.now() - 3 * 3600 * 1000));
  const demo = await startDemo(t, { clock });
  const browser = await launchBrowser(t);
  const page = await (await newContext(browser)).newPage();
  const seeded = await seedDevices(demo, 'bruno');
  const idle = await demo.client.createSession({ userId: 'bruno', ip: '78.31.67.1', idleTimeoutSeconds: 60 });
  const capped = await demo.client.createSession({ userId: 'bruno', ip: '193.51.224.1', maxAgeSeconds: 3600 });
  clock.advance(100 * 60 * 1000);
  await demo.client.endSession(seeded.immichUs.session.id, { reason: 'password_change' });
  await demo.client.logout({ sessionToken: seeded.ipadBrazil.token });
  await demo.client.endSession(seeded.iphoneSe.session.id, { reason: 'suspicious' });
  clock.set(new Date());
  await signIn(page, demo, 'bruno');

  const reasons: Array<[string, string, RegExp]> = [
    [seeded.immichUs.session.id, 'Password changed', /^1 hr 40 min$/],
    [seeded.ipadBrazil.session.id, 'Signed out', /^1 hr 40 min$/],
    [seeded.iphoneSe.session.id, 'Ended as suspicious', /^1 hr 40 min$/],
    [idle.session.id, 'Expired after inactivity', /^1 minute$/],
    [capped.session.id, 'Expired: maximum duration reached', /^1 hour$/],
  ];
  for (const [id, reason, duration] of reasons) {
    const row = historyRow(page, id);
    t.equal(await row.locator('[data-reason]').innerText(), reason, reason);
    t.match(await row.locator('[data-field="duration"]').innerText(), duration, `${reason}: duration`);
  }
  t.match(await historyRow(page, seeded.immichUs.session.id).locator('[data-field="location"]').innerText(), /United States/);
  t.match(await historyRow(page, seeded.immichUs.session.id).innerText(), /Immich 1\.120 on Android/);
  t.match(await historyRow(page, seeded.immichUs.session.id).locator('[data-field="end-reason"] time').innerText(), /^1 hour ago$/);
  t.equal(await field(card(page, seeded.windowsGb.session.id), 'last-active').innerText(), '3 hours ago');
});

browserTest('history pages: ten at first, "Show more" brings the next ones and moves focus to them', async (t) => {
  const demo = await startDemo(t);
  const browser = await launchBrowser(t);
  const page = await (await newContext(browser)).newPage();
  const ended: string[] = [];
  for (let i = 0; i < 12; i++) {
    const { session } = await demo.client.createSession({ userId: 'kim', ip: '81.2.69.142' });
    await demo.client.endSession(session.id, { reason: 'admin' });
    ended.unshift(session.id);
  }
  await signIn(page, demo, 'kim');
  const rows = page.locator('session-devices tbody tr');
  t.equal(await rows.count(), 10);
  await page.locator('session-devices button[data-key="more-history"]').click();
  await rows.nth(11).waitFor();
  t.same(await rows.evaluateAll((trs) => trs.map((tr) => tr.getAttribute('data-session-id'))), ended, 'newest first, none twice');
  t.equal(await page.locator('session-devices button[data-key="more-history"]').count(), 0, 'nothing more to show');
  t.equal(
    await page.evaluate(
      () => (document.querySelector('session-devices')?.shadowRoot?.activeElement as HTMLElement | null)?.dataset.sessionId,
    ),
    ended[10],
  );
  t.equal(await historyRow(page, ended[0]).locator('[data-reason]').innerText(), 'Ended by an administrator');
});
