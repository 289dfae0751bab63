// The "Session history" table: ended sessions, newest first, with "Show more" while there are more.
import { h } from './dom.js';
import { describe, placeOf } from './format.js';

/**
 * @typedef {import('./types.js').Session} Session
 * @typedef {import('./texts/index.js').Messages} Messages
 * @typedef {import('./format.js').Format} Format
 * @typedef {import('./dom.js').Child} Child
 */

/**
 * @param {{ m: Messages, f: Format, hx: string, sessions: Session[], more: boolean, onMore: () => void }} view
 */
export function renderHistory({ m, f, hx, sessions, more, onMore }) {
  const section = h('section', { 'aria-labelledby': 'sd-history-heading', part: 'history' });
  section.append(
    h(hx, { id: 'sd-history-heading', class: 'history-heading', tabindex: '-1', 'data-key': 'history-heading' }, m.historyHeading),
  );
  if (sessions.length === 0) {
    section.append(h('p', { class: 'empty' }, m.noHistory));
    return section;
  }
  const now = Date.now();
  const rows = sessions.map((session) => {
    const { title, subtitle } = describe(session, m);
    const place = placeOf(session.location, f);
    const reason = session.endReason ? (/** @type {Record<string, string>} */ (m.endReasons)[session.endReason] ?? m.ended) : m.ended;
    const cell = (/** @type {string} */ label, /** @type {string | null} */ field, /** @type {(Child | Child[])[]} */ ...content) =>
      h('td', { 'data-label': label, 'data-field': field }, h('div', null, ...content));
    const sub = (/** @type {Child} */ content) => h('div', { class: 'sub' }, content);
    return h(
      'tr',
      { 'data-key': `history-${session.id}`, tabindex: '-1', 'data-session-id': session.id },
      cell(m.device, 'device', h('div', null, title), sub(subtitle)),
      cell(
        m.location,
        'location',
        place ? [place.flag ? h('span', { class: 'flag', 'aria-hidden': 'true' }, place.flag) : null, place.text] : m.unknownLocation,
        session.ip ? sub(session.ip) : null,
      ),
      cell(m.signedIn, 'signed-in', h('time', { datetime: session.createdAt }, f.dateTime(session.createdAt))),
      cell(m.duration, 'duration', f.duration(session.durationSeconds, m.lessThanAMinute)),
      cell(
        m.howEnded,
        'end-reason',
        h('div', { 'data-reason': session.endReason ?? '' }, reason),
        session.endedAt
          ? sub(
              h(
                'time',
                { datetime: session.endedAt, 'data-relative': '', title: f.dateTime(session.endedAt) },
                f.relative(session.endedAt, now),
              ),
            )
          : null,
      ),
    );
  });
  section.append(
    h(
      'table',
      null,
      h('caption', { class: 'sr-only' }, m.historyHeading),
      h(
        'thead',
        null,
        h(
          'tr',
          null,
          [m.device, m.location, m.signedIn, m.duration, m.howEnded].map((label) => h('th', { scope: 'col' }, label)),
        ),
      ),
      h('tbody', null, rows),
    ),
  );
  if (more) {
    section.append(
      h('div', { class: 'more' }, h('button', { type: 'button', 'data-key': 'more-history', onclick: () => onMore() }, m.showMore)),
    );
  }
  return section;
}
