import type { AddressInfo } from 'node:net';
import type { Page } from 'playwright-core';
import { buildAccountApp } from '../../../examples/account-app/app.js';
import { createRegistryClient, type RegistryClient } from '../../../clients/typescript/src/index.js';
import { startRegistry, type RunningRegistry } from '../../kit/support/registry.js';

type Teardown = { teardown(fn: () => unknown): void };

export interface Demo {
  registry: RunningRegistry;
  /** The account app's base URL. */
  url: string;
  /** The registry as a backend sees it (service token). */
  client: RegistryClient;
}

/** The example account app on a registry with a fresh database, both on loopback. */
export async function startDemo(t: Teardown, options: Parameters<typeof startRegistry>[1] = {}): Promise<Demo> {
  const registry = await startRegistry(t, options);
  const app = await buildAccountApp({ registryUrl: registry.url, serviceToken: registry.token });
  await app.listen({ host: '127.0.0.1', port: 0 });
  t.teardown(() => app.close());
  const { port } = app.server.address() as AddressInfo;
  return { registry, url: `http://127.0.0.1:${port}`, client: createRegistryClient({ baseUrl: registry.url, token: registry.token }) };
}

/** Signs in through the demo's form and waits for the page to list the sessions. */
export async function signIn(page: Page, demo: Demo, user: string, lang?: string): Promise<void> {
  await page.goto(`${demo.url}/sign-in`);
  await page.fill('#user', user);
  await Promise.all([page.waitForURL(/\/account/), page.click('button[type=submit]')]);
  if (lang) await page.goto(`${demo.url}/account?lang=${lang}`);
  await page.locator('session-devices article.card').first().waitFor();
}
