import { DEMO_DEVICES } from './demo-devices.js';

const escape = (text: string) =>
  text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] as string);

export const LANGUAGES = { en: 'English', fr: 'Français', sv: 'Svenska' } as const;
export type Language = keyof typeof LANGUAGES;
export const isLanguage = (value: unknown): value is Language => typeof value === 'string' && Object.hasOwn(LANGUAGES, value);

function layout(title: string, body: string, script = ''): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="color-scheme" content="light dark">
<title>${escape(title)}</title>
<link rel="stylesheet" href="/assets/site.css">
${script}
</head>
<body>
${body}
</body>
</html>
`;
}

export function signInPage(): string {
  return layout(
    'Sign in · Account demo',
    `<main class="narrow">
  <h1>Account demo</h1>
  <p>Sign in with any name: this demo has no passwords. Sign in with the same name in a second browser
  (or a private window) and each will list the other.</p>
  <form method="post" action="/sign-in" class="stack">
    <label for="user">Name</label>
    <input id="user" name="user" value="alice" required maxlength="64" autocomplete="username">
    <button type="submit">Sign in</button>
  </form>
</main>`,
  );
}

export function accountPage(options: { userId: string; lang: Language | null; moduleUrl: string }): string {
  const { userId, lang, moduleUrl } = options;
  const languages = Object.entries(LANGUAGES)
    .map(([code, name]) => `<a href="/account?lang=${code}" lang="${code}"${code === lang ? ' aria-current="page"' : ''}>${name}</a>`)
    .join('\n      ');
  const devices = Object.entries(DEMO_DEVICES)
    .map(([key, device]) => `<button type="submit" name="device" value="${key}">${escape(device.label)}</button>`)
    .join('\n        ');
  return layout(
    'Account security · Account demo',
    `<header class="bar">
  <span>Signed in as <strong>${escape(userId)}</strong></span>
  <nav aria-label="Language">
      ${languages}
  </nav>
  <form method="post" action="/sign-out"><button type="submit">Log out</button></form>
</header>
<main>
  <h1>Account security</h1>
  <session-devices api="/account/api/me"${lang ? ` lang="${lang}"` : ''}></session-devices>
  <details class="demo">
    <summary>Demo: sign in as ${escape(userId)} from another device</summary>
    <p>Registers a real session for this user through the registry's service API, with the User-Agent
    and address that device would send.</p>
    <form method="post" action="/demo/devices" class="devices">
        ${devices}
    </form>
  </details>
</main>`,
    `<script type="module" src="${escape(moduleUrl)}"></script>`,
  );
}
