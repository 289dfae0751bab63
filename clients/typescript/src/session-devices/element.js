// The <session-devices> element: its state (active sessions, history, what is busy), the actions that
// change it (sign out, sign out all others, review, rename), and the page it renders.
import { renderActive, renderDialog } from './active.js';
import { ApiError, HISTORY_PAGE, callApi, loadSessions } from './api.js';
import { renderCard } from './card.js';
import { h } from './dom.js';
import { chooseLanguage, createFormat, describe, lastActive } from './format.js';
import { renderHistory } from './history.js';
import { STYLE } from './style.js';
import { MESSAGES } from './texts/index.js';
import { notYetTrusted, trustAfterSeconds, trustRefusal } from './trust.js';

/**
 * @typedef {import('./types.js').Session} Session
 * @typedef {import('./types.js').Page} Page
 * @typedef {import('./texts/index.js').Messages} Messages
 * @typedef {import('./format.js').Format} Format
 */

/** @type {CSSStyleSheet | undefined} */
let sheet;

// Importing the module where there is no DOM (a server render, a test runner) defines nothing.
const BaseElement = /** @type {typeof HTMLElement} */ (globalThis.HTMLElement ?? class {});

export class SessionDevicesElement extends BaseElement {
  static observedAttributes = ['api', 'lang', 'credentials', 'heading-level', 'trust-after'];

  /** @type {ShadowRoot} */
  #root;
  /** @type {Session[]} */
  #active = [];
  /** @type {Session[]} */
  #history = [];
  /** @type {string | null} */
  #historyCursor = null;
  /** @type {'idle' | 'loading' | 'ready' | 'failed' | 'signed-out'} */
  #state = 'idle';
  #statusText = '';
  #alertText = '';
  /** @type {Set<string>} */
  #busy = new Set();
  /** @type {string | null} */
  #renaming = null;
  /** @type {string | null} */
  #focusAfterRender = null;
  #loadedAt = 0;
  /** @type {ReturnType<typeof setInterval> | undefined} */
  #ticker;
  #onVisible = () => {
    if (document.visibilityState === 'visible' && this.#state === 'ready' && Date.now() - this.#loadedAt > 15000) void this.refresh();
  };

  constructor() {
    super();
    this.#root = this.attachShadow({ mode: 'open' });
    // A constructed style sheet works under a Content-Security-Policy without 'unsafe-inline'.
    if ('adoptedStyleSheets' in this.#root && typeof CSSStyleSheet === 'function' && 'replaceSync' in CSSStyleSheet.prototype) {
      sheet ??= new CSSStyleSheet();
      if (sheet.cssRules.length === 0) sheet.replaceSync(STYLE);
      this.#root.adoptedStyleSheets = [sheet];
    }
  }

  connectedCallback() {
    document.addEventListener('visibilitychange', this.#onVisible);
    // Relative times ("5 minutes ago") are kept true without fetching anything.
    this.#ticker = setInterval(() => this.#updateTimes(), 30000);
    if (this.#state === 'idle') void this.refresh();
    else this.#render();
  }

  disconnectedCallback() {
    document.removeEventListener('visibilitychange', this.#onVisible);
    clearInterval(this.#ticker);
  }

  /** @param {string} name @param {string | null} before @param {string | null} after */
  attributeChangedCallback(name, before, after) {
    if (before === after || !this.isConnected) return;
    if (name === 'api' || name === 'credentials') void this.refresh();
    else this.#render();
  }

  get #api() {
    return (this.getAttribute('api') ?? '').replace(/\/+$/, '');
  }

  get #text() {
    const { language, locale } = chooseLanguage(this);
    return { m: MESSAGES[language], f: createFormat(locale), language, locale };
  }

  /**
   * @param {string} method @param {string} path @param {unknown} [body]
   * @returns {Promise<any>}
   */
  async #call(method, path, body) {
    const credentials = /** @type {RequestCredentials} */ (this.getAttribute('credentials') ?? 'same-origin');
    return callApi({ api: this.#api, credentials }, method, path, body);
  }

  /** Loads the active sessions and the first page of history again. */
  async refresh() {
    if (!this.#api) return;
    if (this.#state !== 'ready') {
      this.#state = 'loading';
      this.#render();
    }
    try {
      const { active, history } = await loadSessions((method, path) => this.#call(method, path));
      this.#active = active;
      this.#history = history.items;
      this.#historyCursor = history.nextCursor;
      this.#state = 'ready';
      this.#loadedAt = Date.now();
    } catch (error) {
      this.#fail(error, true);
    }
    this.#render();
  }

  /** @param {unknown} error @param {boolean} loading */
  #fail(error, loading) {
    if (error instanceof ApiError && error.status === 401) {
      this.#state = 'signed-out';
      this.dispatchEvent(new CustomEvent('signed-out', { bubbles: true, composed: true }));
      return;
    }
    if (loading) this.#state = 'failed';
    else
      this.#alertText =
        (error instanceof ApiError && error.status === 403 ? trustRefusal(error.code, this.#text.m) : null) ?? this.#text.m.actionFailed;
  }

  async #moreHistory() {
    if (!this.#historyCursor) return;
    try {
      /** @type {Page} */
      const page = await this.#call(
        'GET',
        `/sessions?status=ended&limit=${HISTORY_PAGE}&cursor=${encodeURIComponent(this.#historyCursor)}`,
      );
      this.#history.push(...page.items);
      this.#historyCursor = page.nextCursor;
      // Keyboard users continue where the new rows start.
      this.#focusAfterRender = page.items[0] ? `[data-key="history-${page.items[0].id}"]` : '[data-key="history-heading"]';
    } catch (error) {
      this.#fail(error, false);
    }
    this.#render();
  }

  /** @param {Session} session */
  async #signOut(session) {
    const { m } = this.#text;
    const name = describe(session, m).title;
    const position = this.#active.filter((s) => !s.current).findIndex((s) => s.id === session.id);
    this.#busy.add(session.id);
    this.#statusText = '';
    this.#alertText = '';
    this.#render();
    try {
      /** @type {Session} */
      const ended = await this.#call('DELETE', `/sessions/${encodeURIComponent(session.id)}`);
      this.#active = this.#active.filter((s) => s.id !== session.id);
      this.#history = [ended, ...this.#history.filter((s) => s.id !== ended.id)];
      this.#statusText = m.signedOutOne(name);
      this.dispatchEvent(new CustomEvent('session-ended', { detail: { id: session.id }, bubbles: true, composed: true }));
    } catch (error) {
      if (error instanceof ApiError && error.status === 404) {
        this.#alertText = m.gone;
        this.#busy.delete(session.id);
        await this.refresh();
        return;
      }
      this.#fail(error, false);
    }
    this.#busy.delete(session.id);
    // Focus moves to the card that took its place (or the one before it), else to the heading.
    const others = this.#active.filter((s) => !s.current);
    const next = others[Math.min(position, others.length - 1)] ?? null;
    this.#focusAfterRender = next && next.id !== session.id ? `[data-key="card-${next.id}"]` : '[data-key="active-heading"]';
    this.#render();
  }

  #askSignOutOthers() {
    const dialog = /** @type {HTMLDialogElement | null} */ (this.#root.querySelector('dialog'));
    dialog?.showModal();
    /** @type {HTMLElement | null | undefined} */ (dialog?.querySelector('[data-key="dialog-cancel"]'))?.focus();
  }

  async #signOutOthers() {
    const { m } = this.#text;
    const dialog = /** @type {HTMLDialogElement | null} */ (this.#root.querySelector('dialog'));
    dialog?.close();
    this.#busy.add('others');
    this.#statusText = '';
    this.#alertText = '';
    this.#render();
    try {
      /** @type {{ revoked: number, ids: string[] }} */
      const result = await this.#call('POST', '/sessions/revoke-others');
      const ended = new Set(result.ids);
      this.#active = this.#active.filter((s) => !ended.has(s.id));
      this.#statusText = m.signedOutMany(result.revoked);
      this.dispatchEvent(new CustomEvent('sessions-ended', { detail: { ids: result.ids }, bubbles: true, composed: true }));
      // The history gains the sessions just ended, with their end reason as the registry wrote it.
      /** @type {Page} */
      const history = await this.#call('GET', `/sessions?status=ended&limit=${HISTORY_PAGE}`);
      this.#history = history.items;
      this.#historyCursor = history.nextCursor;
    } catch (error) {
      this.#fail(error, false);
    }
    this.#busy.delete('others');
    this.#focusAfterRender = '[data-key="active-heading"]';
    this.#render();
  }

  /** @param {Session} session @param {'confirm' | 'report'} verdict */
  async #review(session, verdict) {
    const { m } = this.#text;
    const name = describe(session, m).title;
    this.#busy.add(session.id);
    this.#render();
    try {
      /** @type {Session} */
      const updated = await this.#call('POST', `/sessions/${encodeURIComponent(session.id)}/${verdict}`);
      if (verdict === 'report' || updated.status === 'ended') {
        this.#active = this.#active.filter((s) => s.id !== session.id);
        this.#history = [updated, ...this.#history.filter((s) => s.id !== updated.id)];
        this.#statusText = m.reportedStatus(name);
        this.#focusAfterRender = '[data-key="status"]';
      } else {
        this.#active = this.#active.map((s) => (s.id === updated.id ? { ...updated, current: s.current } : s));
        this.#statusText = m.confirmedStatus(name);
        this.#focusAfterRender = `[data-key="card-${session.id}"]`;
      }
    } catch (error) {
      this.#fail(error, false);
    }
    this.#busy.delete(session.id);
    this.#render();
  }

  /** @param {Session} session @param {string} value */
  async #rename(session, value) {
    const { m } = this.#text;
    const name = value.trim().slice(0, 64);
    this.#busy.add(session.id);
    this.#render();
    try {
      /** @type {Session} */
      const updated = await this.#call('PATCH', `/sessions/${encodeURIComponent(session.id)}`, { name: name || null });
      this.#active = this.#active.map((s) => (s.id === updated.id ? { ...updated, current: s.current } : s));
      this.#renaming = null;
      this.#statusText = m.renamedStatus(describe(updated, m).title);
    } catch (error) {
      this.#fail(error, false);
    }
    this.#busy.delete(session.id);
    this.#focusAfterRender = `[data-key="rename-${session.id}"]`;
    this.#render();
  }

  #updateTimes() {
    const { m, f } = this.#text;
    const now = Date.now();
    for (const time of this.#root.querySelectorAll('time[data-relative]')) {
      const iso = time.getAttribute('datetime');
      if (iso) time.textContent = time.hasAttribute('data-active') ? lastActive(iso, now, m, f) : f.relative(iso, now);
    }
  }

  #render() {
    const { m, f, language } = this.#text;
    const level = Math.min(6, Math.max(1, Number(this.getAttribute('heading-level')) || 2));
    const hx = `h${level}`;
    const hy = `h${Math.min(6, level + 1)}`;
    const focused = /** @type {HTMLElement | null} */ (this.#root.activeElement)?.dataset?.key ?? null;
    const wasOpen = /** @type {HTMLDialogElement | null} */ (this.#root.querySelector('dialog'))?.open ?? false;

    const wrapper = h('div', { lang: language, part: 'root', 'aria-busy': this.#state === 'loading' ? 'true' : null });
    const status = h('p', { class: 'status', role: 'status', 'data-key': 'status', tabindex: '-1', part: 'status' }, this.#statusText);
    const alert = h('div', { class: 'alert', role: 'alert', part: 'alert' }, this.#alertText || null);
    wrapper.append(status);

    if (this.#state === 'loading' || this.#state === 'idle') {
      wrapper.append(h('p', { class: 'note' }, m.loading));
    } else if (this.#state === 'signed-out') {
      alert.append(m.signedOutNotice);
      wrapper.append(alert);
    } else if (this.#state === 'failed') {
      alert.append(
        h('span', null, m.loadFailed),
        h('button', { type: 'button', onclick: () => void this.refresh(), 'data-key': 'retry' }, m.retry),
      );
      wrapper.append(alert);
    } else {
      // A new, flagged, unconfirmed current session offers nothing the registry would refuse it.
      const locked = notYetTrusted(this.#active, trustAfterSeconds(this.getAttribute('trust-after')), Date.now());
      wrapper.append(
        alert,
        renderActive({
          m,
          hx,
          sessions: this.#active,
          locked,
          othersBusy: this.#busy.has('others'),
          onSignOutOthers: () => this.#askSignOutOthers(),
          card: (session) => renderCard(session, { ...this.#cardView(session, m, f, hy), locked }),
        }),
        renderHistory({ m, f, hx, sessions: this.#history, more: Boolean(this.#historyCursor), onMore: () => void this.#moreHistory() }),
      );
    }
    wrapper.append(
      renderDialog({
        m,
        hx,
        count: this.#active.filter((s) => !s.current).length,
        onConfirm: () => void this.#signOutOthers(),
        // Closing with Escape or Cancel returns focus to the button that opened it.
        onClose: () => {
          if (!this.#busy.has('others'))
            /** @type {HTMLElement | null} */ (this.#root.querySelector('[data-key="sign-out-others"]'))?.focus();
        },
      }),
    );

    if (this.#root.adoptedStyleSheets?.length) this.#root.replaceChildren(wrapper);
    else this.#root.replaceChildren(Object.assign(document.createElement('style'), { textContent: STYLE }), wrapper);
    if (wasOpen) /** @type {HTMLDialogElement} */ (this.#root.querySelector('dialog')).showModal();

    const target = this.#focusAfterRender ?? (focused ? `[data-key="${CSS.escape(focused)}"]` : null);
    this.#focusAfterRender = null;
    if (target) /** @type {HTMLElement | null} */ (this.#root.querySelector(target))?.focus();
  }

  /** What a card shows and does for one session. @param {Session} session @param {Messages} m @param {Format} f @param {string} hy */
  #cardView(session, m, f, hy) {
    return {
      m,
      f,
      hy,
      busy: this.#busy.has(session.id),
      renaming: this.#renaming === session.id,
      onSignOut: () => void this.#signOut(session),
      onReview: (/** @type {'confirm' | 'report'} */ verdict) => void this.#review(session, verdict),
      onRenameStart: () => {
        this.#renaming = session.id;
        this.#focusAfterRender = `[data-key="name-input-${session.id}"]`;
        this.#render();
      },
      onRenameCancel: () => {
        this.#renaming = null;
        this.#focusAfterRender = `[data-key="rename-${session.id}"]`;
        this.#render();
      },
      onRename: (/** @type {string} */ value) => void this.#rename(session, value),
    };
  }
}
