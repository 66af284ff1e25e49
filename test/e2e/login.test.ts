import fs from 'node:fs';
import type { Browser, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { seeFlows, signIn, storedToken } from './app.js';
import { launchBrowser, openPage, pathname, type OpenedPage } from './browser.js';
import { CAREGIVER, DEMO_FLOWS, startTestServer, type TestServer } from './server.js';

const SCREENSHOT = new URL('./__screenshots__/flows-390.png', import.meta.url);

let server: TestServer;
let browser: Browser;
let opened: OpenedPage | undefined;

beforeAll(async () => {
  [server, browser] = await Promise.all([startTestServer(), launchBrowser()]);
});

afterAll(async () => {
  await browser?.close();
  await server?.close();
});

afterEach(async () => {
  const errors = opened?.errors ?? [];
  await opened?.context.close();
  opened = undefined;
  expect(errors.map(String), 'uncaught errors in the page').toEqual([]);
});

async function phone(): Promise<Page> {
  opened = await openPage(browser, server.url);
  return opened.page;
}

const seeDemoFlows = (page: Page) => seeFlows(page, DEMO_FLOWS);

describe('signing in on a phone', () => {
  it('shows the caregiver the demo flows without sideways scrolling', async () => {
    const page = await phone();
    await signIn(page, CAREGIVER);
    await page.waitForURL((url) => url.pathname === '/flows');
    await seeDemoFlows(page);
    await page.getByRole('banner').getByText(CAREGIVER.name).waitFor();
    expect(await storedToken(page)).toBeTruthy();

    const widths = await page.evaluate(() => ({
      scroll: document.scrollingElement!.scrollWidth,
      viewport: window.innerWidth,
    }));
    expect(widths.viewport).toBe(390);
    expect(widths.scroll).toBeLessThanOrEqual(390);
  });

  it('explains a wrong password and stays on the sign-in page', async () => {
    const page = await phone();
    await signIn(page, { email: CAREGIVER.email, password: 'not-the-password' });
    const alert = page.getByRole('alert');
    await alert.waitFor();
    expect((await alert.textContent())?.trim()).not.toBe('');
    expect(pathname(page)).toBe('/login');
    expect(await storedToken(page)).toBeNull();
    await page.getByRole('button', { name: 'Sign in' }).waitFor();
  });

  it('keeps the session across a reload, and signing out ends it', async () => {
    const page = await phone();
    await signIn(page, CAREGIVER);
    await seeDemoFlows(page);
    const token = await storedToken(page);

    await page.reload();
    await seeDemoFlows(page);
    expect(pathname(page)).toBe('/flows');

    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.waitForURL('**/login');
    expect(await storedToken(page)).toBeNull();
    await page.goto('/');
    await page.waitForURL('**/login');

    // The server forgets the session too (the app does not wait for that, so neither can the test).
    await expect
      .poll(async () => (await server.graphql('{ viewer { __typename } }', {}, token!)).data?.viewer, {
        timeout: 5000,
      })
      .toBeFalsy();
  });

  it('sends someone whose session the server no longer knows back to sign in', async () => {
    const page = await phone();
    await page.goto('/login');
    await page.evaluate(() => localStorage.setItem('kinflow.token', 'kfs_not_a_real_session_token'));
    await page.goto('/');
    await page.getByText('Your session has ended').waitFor();
    expect(pathname(page)).toBe('/login');
    expect(await storedToken(page)).toBeNull();

    await page.getByLabel('Email').fill(CAREGIVER.email);
    await page.getByLabel('Password').fill(CAREGIVER.password);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await seeDemoFlows(page);
  });
});

describe('installable app', () => {
  it('links a manifest Chromium can install from and registers a service worker', async () => {
    const page = await phone();
    await page.goto('/login');

    const href = await page.locator('link[rel="manifest"]').getAttribute('href');
    expect(href).toBeTruthy();
    const manifest = (await (await page.request.get(href!)).json()) as {
      name: string;
      icons: Array<{ src: string; sizes: string; type: string }>;
    };
    expect(manifest.name).toBe('Kinflow');
    for (const size of ['192x192', '512x512']) {
      expect(manifest.icons.some((icon) => icon.sizes === size && icon.type === 'image/png')).toBe(true);
    }
    for (const icon of manifest.icons) {
      const response = await page.request.get(new URL(icon.src, new URL(href!, server.url)).href);
      expect(response.status(), icon.src).toBe(200);
      expect(response.headers()['content-type'], icon.src).toContain(icon.type);
    }

    const scriptURL = await page.evaluate(async () => {
      const timeout = new Promise<never>((_, reject) =>
        setTimeout(() => reject(new Error('service worker not ready after 20 s')), 20_000),
      );
      const registration = await Promise.race([navigator.serviceWorker.ready, timeout]);
      return registration.active?.scriptURL ?? '';
    });
    expect(new URL(scriptURL).pathname).toBe('/sw.js');

    const cdp = await page.context().newCDPSession(page);
    const { installabilityErrors } = await cdp.send('Page.getInstallabilityErrors');
    // Test contexts are incognito profiles, where Chromium never offers installation; that says nothing of the app.
    const appErrors = installabilityErrors.filter((error) => error.errorId !== 'in-incognito');
    expect(appErrors).toEqual([]);

    // Under the service worker, API paths still reach the server rather than the app shell.
    await page.reload();
    await page.waitForFunction(() => navigator.serviceWorker.controller !== null);
    const health = await page.goto('/healthz');
    expect(await health?.json()).toMatchObject({ status: 'ok' });
  });
});

describe('screenshots', () => {
  it('captures the flows screen at 390 px', async () => {
    const page = await phone();
    await signIn(page, CAREGIVER);
    await seeDemoFlows(page);
    await page.evaluate(() => document.fonts.ready);
    fs.mkdirSync(new URL('.', SCREENSHOT), { recursive: true });
    await page.screenshot({ path: SCREENSHOT.pathname, fullPage: true, animations: 'disabled' });
    expect(fs.statSync(SCREENSHOT).size).toBeGreaterThan(1000);
  });
});
