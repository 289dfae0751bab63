import { RegistryError } from '../../clients/typescript/src/index.js';
import { browserTest, launchBrowser, newContext } from './support/browser.js';
import { signIn, startDemo } from './support/demo.js';
import {
  card,
  cards,
  confirmButton,
  currentCard,
  desktopUserAgent,
  element,
  focusedKey,
  historyRow,
  reportButton,
  seedDevices,
  signOutButton,
  signOutOthersButton,
  status,
} from './support/devices-page.js';
import { USER_AGENTS } from '../kit/support/registry.js';

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

browserTest(
  '"No, it wasn\'t me" ends the session: gone from the list, "Reported as not you" in the history, its token refused',
  async (t) => {
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
  },
);

// A flagged, unreviewed current session is confirmed only from another signed-in device, and while
// it is new (younger than SESSION_TRUST_AFTER) it may not act on the user's other sessions.

const NOTES = {
  en: {
    elsewhere: 'To confirm that this was you, open this page on another device where you are signed in.',
    locked:
      'This device signed in recently and is not confirmed yet, so it cannot sign out or review your other devices. Confirm it from another device where you are signed in, or try again later.',
  },
  fr: {
    elsewhere: 'Pour confirmer que c’était vous, ouvrez cette page sur un autre appareil où vous êtes connecté.',
    locked:
      'Cet appareil s’est connecté récemment et n’est pas encore confirmé\u202f: il ne peut ni déconnecter ni vérifier vos autres appareils. Confirmez-le depuis un autre appareil où vous êtes connecté, ou réessayez plus tard.',
  },
  sv: {
    elsewhere: 'Bekräfta att det var du genom att öppna den här sidan på en annan enhet där du är inloggad.',
    locked:
      'Den här enheten loggade in nyligen och är inte bekräftad än, så den kan inte logga ut eller granska dina andra enheter. Bekräfta den från en annan enhet där du är inloggad, eller försök igen senare.',
  },
};

browserTest(
  'a flagged current session has no "Yes, it was me": it says to confirm from another signed-in device, in English, French and Swedish',
  async (t) => {
    const demo = await startDemo(t);
    const browser = await launchBrowser(t);
    const page = await (await newContext(browser)).newPage();
    // The user's first sign-in is from elsewhere (and, unflagged, trusted): this browser is a new device, flagged.
    const first = await demo.client.createSession({ userId: 'jules', ip: '81.2.69.142' });
    await demo.client.createSession({ userId: 'jules', userAgent: USER_AGENTS.immichAndroid, ip: '8.8.8.8' });
    await signIn(page, demo, 'jules');
    await cards(page).nth(2).waitFor();
    const current = currentCard(page);
    t.same(await current.locator('[data-flag]').evaluateAll((items) => items.map((li) => li.getAttribute('data-flag'))), ['new_device']);
    const id = (await current.getAttribute('data-session-id')) as string;
    t.equal((await demo.client.getSession(id)).review.state, 'unreviewed');

    for (const language of ['en', 'fr', 'sv'] as const) {
      if (language !== 'en') {
        await page.goto(`${demo.url}/account?lang=${language}`);
        await cards(page).nth(2).waitFor();
      }
      t.equal(await confirmButton(currentCard(page)).count(), 0, `${language}: no confirm on this device's own card`);
      t.equal(
        await reportButton(currentCard(page)).count(),
        0,
        `${language}: nor a report, which would end the session making the request`,
      );
      t.equal(
        await currentCard(page).locator('[data-note="confirm-elsewhere"]').innerText(),
        NOTES[language].elsewhere,
        `${language}: says where to confirm`,
      );
      // New and unconfirmed: nothing on the other sessions that the registry would refuse it.
      t.equal(
        await page.locator('session-devices [data-note="not-yet-trusted"]').innerText(),
        NOTES[language].locked,
        `${language}: says why`,
      );
      t.equal(await signOutOthersButton(page).count(), 0, `${language}: no "Sign out everywhere else"`);
      t.equal(
        await page.locator('session-devices button[data-action="sign-out"]').count(),
        0,
        `${language}: no "Sign out" on another card`,
      );
      t.equal(
        await page.locator('session-devices button[data-action="confirm"], session-devices button[data-action="report"]').count(),
        0,
        `${language}: no review of another card`,
      );
    }

    // Confirmed from the other, trusted device: the card says so and every action comes back.
    await demo.client.confirmMySession(id, { sessionToken: first.token });
    await page.goto(`${demo.url}/account`);
    await cards(page).nth(2).waitFor();
    t.equal(await currentCard(page).locator('.note').innerText(), 'You confirmed this was you.');
    t.equal(await currentCard(page).locator('[data-note="confirm-elsewhere"]').count(), 0);
    t.equal(await page.locator('session-devices [data-note="not-yet-trusted"]').count(), 0);
    t.equal(await signOutOthersButton(page).count(), 1);
    t.equal(await signOutButton(card(page, first.session.id)).count(), 1);
    t.equal(await currentCard(page).count(), 1, 'still signed in, still "This device"');
  },
);

browserTest('past the trust period a flagged current session may act on the others, and is still confirmed from elsewhere', async (t) => {
  const demo = await startDemo(t);
  const browser = await launchBrowser(t);
  const page = await (await newContext(browser)).newPage();
  const first = await demo.client.createSession({ userId: 'kerstin', ip: '81.2.69.142' });
  await signIn(page, demo, 'kerstin');
  await cards(page).nth(1).waitFor();
  t.equal(await signOutButton(card(page, first.session.id)).count(), 0, 'new: locked');
  // A registry whose SESSION_TRUST_AFTER has passed for this session (trust-after is in seconds).
  await element(page).evaluate((node) => node.setAttribute('trust-after', '0'));
  await signOutButton(card(page, first.session.id)).waitFor();
  t.equal(await page.locator('session-devices [data-note="not-yet-trusted"]').count(), 0);
  t.equal(await signOutOthersButton(page).count(), 1);
  t.equal(await confirmButton(currentCard(page)).count(), 0, 'its own confirmation still comes from another device');
  t.equal(await currentCard(page).locator('[data-note="confirm-elsewhere"]').count(), 1);
});
