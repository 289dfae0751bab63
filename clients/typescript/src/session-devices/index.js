// <session-devices api="/account/api/me" lang="fr"></session-devices>
//
// The "Active sessions / Device activity" page of an account, as one ES module with no dependency:
// import it (or load it with <script type="module">) and put the element in a page. `api` is the
// prefix that stands for the registry's /v1/me; the element calls {api}/sessions and friends with
// the page's cookies and nothing else, so the session token can stay in an HttpOnly cookie.
//
// This folder is the element's source; the single file that is served and published,
// src/generated/session-devices.js, is built from this entry (`npm run build:element`).
import { SessionDevicesElement } from './element.js';

export { LANGUAGES, MESSAGES } from './texts/index.js';
export { SessionDevicesElement };

if (typeof customElements !== 'undefined' && !customElements.get('session-devices')) {
  customElements.define('session-devices', SessionDevicesElement);
}
