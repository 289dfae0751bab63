// The "Active sessions" section (heading, "Sign out everywhere else", the cards) and the dialog that
// asks before signing out every other device.
import { h } from './dom.js';

/**
 * @typedef {import('./types.js').Session} Session
 * @typedef {import('./texts/index.js').Messages} Messages
 */

/**
 * @param {{ m: Messages, hx: string, sessions: Session[], locked: boolean, othersBusy: boolean, onSignOutOthers: () => void, card: (session: Session) => HTMLElement }} view
 */
export function renderActive({ m, hx, sessions, locked, othersBusy, onSignOutOthers, card }) {
  const sorted = [...sessions].sort((a, b) => Number(Boolean(b.current)) - Number(Boolean(a.current)));
  const others = sorted.filter((s) => !s.current);
  const section = h('section', { 'aria-labelledby': 'sd-active-heading', part: 'active' });
  const head = h(
    'div',
    { class: 'head' },
    h(hx, { id: 'sd-active-heading', tabindex: '-1', 'data-key': 'active-heading' }, m.activeHeading),
    others.length > 0 && !locked
      ? h(
          'button',
          {
            type: 'button',
            class: 'danger',
            'data-key': 'sign-out-others',
            'aria-haspopup': 'dialog',
            disabled: othersBusy,
            onclick: () => onSignOutOthers(),
          },
          m.signOutEverywhere,
        )
      : null,
  );
  section.append(head, h('p', { class: 'intro' }, m.intro));
  // Said once, above the cards: why no card offers to sign out or review another device.
  if (locked && others.length > 0) section.append(h('p', { class: 'note locked', 'data-note': 'not-yet-trusted' }, m.notYetTrusted));
  const list = h('ul', { class: 'cards', role: 'list' });
  for (const session of sorted) list.append(h('li', null, card(session)));
  section.append(list);
  if (others.length === 0) section.append(h('p', { class: 'note only' }, m.onlyThisDevice));
  return section;
}

/**
 * @param {{ m: Messages, hx: string, count: number, onConfirm: () => void, onClose: () => void }} view
 */
export function renderDialog({ m, hx, count, onConfirm, onClose }) {
  const dialog = h(
    'dialog',
    { 'aria-labelledby': 'sd-confirm-title', 'aria-describedby': 'sd-confirm-body', part: 'dialog' },
    h(hx, { id: 'sd-confirm-title' }, m.confirmTitle),
    h('p', { id: 'sd-confirm-body' }, m.confirmBody(count)),
    h(
      'div',
      { class: 'actions' },
      h(
        'button',
        { type: 'button', 'data-key': 'dialog-cancel', onclick: () => /** @type {HTMLDialogElement} */ (dialog).close() },
        m.cancel,
      ),
      h(
        'button',
        { type: 'button', class: 'danger-solid', 'data-key': 'dialog-confirm', onclick: () => onConfirm() },
        m.confirmAction(count),
      ),
    ),
  );
  dialog.addEventListener('close', () => onClose());
  return dialog;
}
