// The element's calls to {api} (the page's stand-in for the registry's /v1/me), with the page's cookies.

export class ApiError extends Error {
  /** @param {number} status @param {string | null} code */
  constructor(status, code) {
    super(`HTTP ${status}${code ? ` ${code}` : ''}`);
    this.status = status;
    this.code = code;
  }
}

export const ACTIVE_PAGE = 100;
export const MAX_ACTIVE = 500;
export const HISTORY_PAGE = 10;

/**
 * One call: JSON in and out; an answer that is not 2xx throws an ApiError with the problem's code.
 * @param {{ api: string, credentials: RequestCredentials }} target
 * @param {string} method @param {string} path @param {unknown} [body]
 * @returns {Promise<any>}
 */
export async function callApi(target, method, path, body) {
  /** @type {Record<string, string>} */
  const headers = { accept: 'application/json' };
  if (body !== undefined) headers['content-type'] = 'application/json';
  const response = await fetch(`${target.api}${path}`, {
    method,
    headers,
    credentials: target.credentials,
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const data = await response.json().catch(() => null);
  if (!response.ok) throw new ApiError(response.status, data && typeof data.code === 'string' ? data.code : null);
  return data;
}

/**
 * Every active session (up to MAX_ACTIVE) and the first page of the history.
 * @param {(method: string, path: string) => Promise<any>} call
 * @returns {Promise<{ active: import('./types.js').Session[], history: import('./types.js').Page }>}
 */
export async function loadSessions(call) {
  const active = [];
  /** @type {string | null} */
  let cursor = null;
  do {
    /** @type {import('./types.js').Page} */
    const page = await call('GET', `/sessions?status=active&limit=${ACTIVE_PAGE}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`);
    active.push(...page.items);
    cursor = page.nextCursor;
  } while (cursor && active.length < MAX_ACTIVE);
  return { active, history: await call('GET', `/sessions?status=ended&limit=${HISTORY_PAGE}`) };
}
