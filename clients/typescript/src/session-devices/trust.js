// What this device may do, by the registry's trust rules. A session that was flagged and is not yet
// reviewed cannot confirm itself (403 confirm_from_another_device): it is confirmed from another
// signed-in device. While it is also younger than the registry's SESSION_TRUST_AFTER (24 hours
// unless configured; the element's `trust-after` attribute, in seconds, follows a registry configured
// otherwise), it cannot sign out, confirm or report other sessions (403 session_not_yet_trusted).

/** @typedef {import('./types.js').Session} Session */

export const DEFAULT_TRUST_AFTER_SECONDS = 86400;

/** Flagged and not reviewed yet: the session waits for a "Was this you?" answer. @param {Session} session */
export function awaitsReview(session) {
  return session.risk.flags.length > 0 && session.review?.state === 'unreviewed';
}

/** The `trust-after` attribute as seconds: a number of seconds, else the registry's default. @param {string | null} value */
export function trustAfterSeconds(value) {
  const seconds = value === null || value.trim() === '' ? Number.NaN : Number(value);
  return Number.isFinite(seconds) && seconds >= 0 ? seconds : DEFAULT_TRUST_AFTER_SECONDS;
}

/**
 * True while the current session may not act on the others: flagged, unreviewed and still young.
 * @param {Session[]} active @param {number} trustAfter seconds @param {number} now
 */
export function notYetTrusted(active, trustAfter, now) {
  const current = active.find((session) => session.current);
  if (!current || !awaitsReview(current)) return false;
  return now - new Date(current.createdAt).getTime() < trustAfter * 1000;
}

/** The text for a refusal by the trust rules, or null for any other error. @param {string | null} code @param {import('./texts/index.js').Messages} m */
export function trustRefusal(code, m) {
  if (code === 'confirm_from_another_device') return m.confirmElsewhere;
  if (code === 'session_not_yet_trusted') return m.notYetTrusted;
  return null;
}
