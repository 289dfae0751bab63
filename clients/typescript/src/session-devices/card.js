// One card of the "Active sessions" list: what the device is, where and when, its suspicious signs
// with "Was this you?", and its actions (rename, sign out).
import { h, icon } from './dom.js';
import { describe, lastActive, placeOf } from './format.js';
import { awaitsReview } from './trust.js';

/**
 * @typedef {import('./types.js').Session} Session
 * @typedef {import('./texts/index.js').Messages} Messages
 * @typedef {import('./format.js').Format} Format
 * @typedef {import('./dom.js').Child} Child
 * @typedef {{
 *   m: Messages, f: Format, hy: string, busy: boolean, renaming: boolean, locked: boolean,
 *   onSignOut: () => void, onReview: (verdict: 'confirm' | 'report') => void,
 *   onRenameStart: () => void, onRenameCancel: () => void, onRename: (value: string) => void,
 * }} CardView
 */

/** @param {Session} session @param {CardView} view */
export function renderCard(session, view) {
  const { m, f, hy, busy } = view;
  const { title, subtitle, icon: iconName } = describe(session, m);
  const place = placeOf(session.location, f);
  const flagged = session.risk.flags.length > 0;
  const titleId = `sd-title-${session.id}`;
  const now = Date.now();
  const card = h('article', {
    class: `card${session.current ? ' current' : ''}${flagged ? ' flagged' : ''}`,
    'aria-labelledby': titleId,
    tabindex: '-1',
    'data-key': `card-${session.id}`,
    'data-session-id': session.id,
    part: `card${session.current ? ' current-card' : ''}`,
  });
  const heading = h(
    'div',
    { class: 'title' },
    h(hy, { id: titleId }, title),
    session.current ? h('span', { class: 'badge', 'data-badge': 'this-device' }, icon('check'), m.thisDevice) : null,
  );
  card.append(h('div', { class: 'icon', 'data-device': iconName }, icon(iconName)), heading, h('p', { class: 'subtitle' }, subtitle));

  const body = h('div', { class: 'body' });
  if (flagged) body.append(renderRisk(session, view));
  const field = (/** @type {string} */ name, /** @type {string} */ label, /** @type {Child | Child[]} */ value) =>
    h('div', { 'data-field': name }, h('dt', null, label), h('dd', null, value));
  body.append(
    h(
      'dl',
      null,
      field('ip', m.ip, session.ip ?? m.unknown),
      field(
        'location',
        m.location,
        place ? [place.flag ? h('span', { class: 'flag', 'aria-hidden': 'true' }, place.flag) : null, place.text] : m.unknownLocation,
      ),
      field(
        'last-active',
        m.lastActive,
        h(
          'time',
          { datetime: session.lastActiveAt, 'data-relative': '', 'data-active': '', title: f.dateTime(session.lastActiveAt) },
          lastActive(session.lastActiveAt, now, m, f),
        ),
      ),
      field('signed-in', m.signedIn, h('time', { datetime: session.createdAt }, f.dateTime(session.createdAt))),
      field('pages', m.pagesVisited, f.number(session.activity.pageViews)),
    ),
  );

  if (view.renaming && 'name' in session) {
    const inputId = `sd-name-${session.id}`;
    const form = h(
      'form',
      {
        class: 'rename',
        onsubmit: (/** @type {SubmitEvent} */ event) => {
          event.preventDefault();
          const input = /** @type {HTMLInputElement} */ (form.querySelector('input'));
          view.onRename(input.value);
        },
      },
      h(
        'label',
        { for: inputId },
        m.nameLabel,
        h('input', {
          id: inputId,
          name: 'name',
          maxlength: '64',
          value: session.name ?? '',
          autocomplete: 'off',
          'data-key': `name-input-${session.id}`,
        }),
      ),
      h('button', { type: 'submit', class: 'primary', disabled: busy }, m.save),
      h('button', { type: 'button', onclick: () => view.onRenameCancel() }, m.cancel),
    );
    body.append(form);
  }

  const actions = h('div', { class: 'actions' });
  if ('name' in session && !view.renaming) {
    actions.append(
      h(
        'button',
        { type: 'button', 'data-key': `rename-${session.id}`, 'aria-label': m.renameOf(title), onclick: () => view.onRenameStart() },
        m.rename,
      ),
    );
  }
  // A device that is not yet trusted signs out nothing but itself (from the account's own sign-out).
  if (!session.current && !view.locked) {
    actions.append(
      h(
        'button',
        {
          type: 'button',
          class: 'danger',
          'data-key': `sign-out-${session.id}`,
          'data-action': 'sign-out',
          'aria-label': m.signOutOf(title),
          disabled: busy,
          onclick: () => view.onSignOut(),
        },
        m.signOut,
      ),
    );
  }
  if (actions.childElementCount > 0) body.append(actions);
  card.append(body);
  return card;
}

/** The suspicious signs of a flagged session, and what the person can do about them. @param {Session} session @param {CardView} view */
function renderRisk(session, view) {
  const { m, f, busy } = view;
  const country = f.country(session.location?.countryCode) ?? session.location?.country ?? m.thisCountry;
  const reasons = session.risk.flags.map((flag) => {
    const say = /** @type {Record<string, ((country: string) => string) | undefined>} */ (m.risk)[flag];
    return h('li', { 'data-flag': flag }, say ? say(country) : flag);
  });
  const box = h('div', { class: 'risk', 'data-risk': '' }, h('h4', null, icon('warning'), m.suspicious), h('ul', null, reasons));
  const review = session.review;
  if (awaitsReview(session) && session.current) {
    // The registry takes "it was me" for a flagged session only from another signed-in device.
    box.append(
      h(
        'div',
        { class: 'review', role: 'group', 'aria-label': m.wasThisYou },
        h('p', null, m.wasThisYou),
        h('p', { class: 'note', 'data-note': 'confirm-elsewhere' }, m.confirmElsewhere),
      ),
    );
  } else if (review && review.state === 'unreviewed') {
    if (view.locked) return box;
    box.append(
      h(
        'div',
        { class: 'review', role: 'group', 'aria-label': m.wasThisYou },
        h('p', null, m.wasThisYou),
        h(
          'button',
          {
            type: 'button',
            'data-action': 'confirm',
            'data-key': `confirm-${session.id}`,
            disabled: busy,
            onclick: () => view.onReview('confirm'),
          },
          m.itWasMe,
        ),
        h(
          'button',
          {
            type: 'button',
            class: 'danger',
            'data-action': 'report',
            'data-key': `report-${session.id}`,
            disabled: busy,
            onclick: () => view.onReview('report'),
          },
          m.itWasNotMe,
        ),
      ),
    );
  } else if (review && review.state === 'confirmed') {
    box.append(h('p', { class: 'note' }, m.confirmedNote));
  } else if (!session.current) {
    box.append(h('p', null, m.riskAdvice));
  }
  return box;
}
