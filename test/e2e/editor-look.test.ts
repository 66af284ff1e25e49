import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signIn, seeFlows } from './app.js';
import { launchBrowser, openPage } from './browser.js';
import { flowIdByName, shot, stepOnCanvas } from './editor.js';
import { CAREGIVER, loginToken, startTestServer, type TestServer } from './server.js';

let server: TestServer;
let browser: Browser;
let token: string;

beforeAll(async () => {
  [server, browser] = await Promise.all([startTestServer(), launchBrowser()]);
  token = await loginToken(server, CAREGIVER);
});

afterAll(async () => {
  await browser?.close();
  await server?.close();
});

describe('the flow editor', () => {
  it('opens a flow from its card and shows each step with its ports', async () => {
    const { context, page, errors } = await openPage(browser, server.url);
    try {
      await signIn(page, CAREGIVER);
      await seeFlows(page, ['Kitchen too hot']);
      await page.getByRole('link', { name: 'Kitchen too hot' }).tap();
      await page.waitForURL(/\/flows\/.+/);
      expect(decodeURIComponent(new URL(page.url()).pathname.split('/').pop()!)).toBe(
        await flowIdByName(server, token, 'Kitchen too hot'),
      );
      await page.getByRole('heading', { level: 1, name: 'Kitchen too hot' }).waitFor();
      for (const key of ['kitchen_heat', 'quiet_period', 'raise_alert'])
        await stepOnCanvas(page, key).waitFor();
      const cooldown = stepOnCanvas(page, 'quiet_period');
      expect(await cooldown.locator('.port-label').allTextContents()).toEqual(['Pass', 'Blocked']);
      await cooldown.locator('.vue-flow__handle[data-handleid="blocked"]').waitFor();
      await page.locator('.vue-flow__edge-text', { hasText: 'Pass' }).waitFor();
      await shot(page, 'editor-390');
      expect(errors.map(String)).toEqual([]);
    } finally {
      await context.close();
    }
  });
});
