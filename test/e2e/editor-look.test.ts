import AxeBuilder from '@axe-core/playwright';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openArea, seeFlows, seeHome, signIn } from './app.js';
import { launchBrowser, openPage } from './browser.js';
import { flowIdByName, openEditor, shot, stepOnCanvas, stepSheet, tapStep } from './editor.js';
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

async function violations(page: Page, include?: string): Promise<string[]> {
  let builder = new AxeBuilder({ page }).withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa']);
  if (include) builder = builder.include(include);
  const { violations: found } = await builder.analyze();
  return found.map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`);
}

describe('the flow editor', () => {
  it('opens a flow from its card and shows each step with its ports', async () => {
    const { context, page, errors } = await openPage(browser, server.url);
    try {
      await signIn(page, CAREGIVER);
      await seeHome(page);
      await openArea(page, 'Flows');
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

  it('has no accessibility violations on the list, the canvas, the palette and a config form', async () => {
    const { context, page, errors } = await openPage(browser, server.url);
    try {
      await signIn(page, CAREGIVER);
      await seeHome(page);
      await openArea(page, 'Flows');
      await seeFlows(page, ['Kitchen too hot']);
      expect(await violations(page)).toEqual([]);

      await openEditor(page, await flowIdByName(server, token, 'Kitchen too hot'));
      await stepOnCanvas(page, 'raise_alert').waitFor();
      expect(await violations(page)).toEqual([]);

      await page.getByRole('button', { name: 'Add a step', exact: true }).tap();
      await page
        .getByRole('dialog', { name: 'Add a step' })
        .getByRole('button', { name: /^Alert/ })
        .waitFor();
      await shot(page, 'editor-palette-390');
      expect(await violations(page, 'dialog[open]')).toEqual([]);
      await page.getByRole('dialog', { name: 'Add a step' }).getByRole('button', { name: 'Close' }).tap();

      await tapStep(page, 'raise_alert');
      await stepSheet(page)
        .getByRole('combobox', { name: /^Message/ })
        .waitFor();
      expect(await violations(page, 'dialog[open]')).toEqual([]);
      expect(errors.map(String)).toEqual([]);
    } finally {
      await context.close();
    }
  });

  it('looks right on a laptop at 1280×800', async () => {
    const { context, page, errors } = await openPage(browser, server.url, {
      viewport: { width: 1280, height: 800 },
      locale: 'en-US',
      colorScheme: 'light',
    });
    try {
      await signIn(page, CAREGIVER);
      await seeHome(page);
      await openArea(page, 'Flows');
      await seeFlows(page, ['Kitchen too hot']);
      await shot(page, 'flows-1280');
      await page.getByRole('link', { name: 'Bathroom check-in' }).click();
      await page.locator('.vue-flow__node').first().waitFor();
      await shot(page, 'editor-1280');
      const first = page.locator('.vue-flow__node').first();
      await first.locator('.label').click();
      await stepSheet(page).waitFor();
      await shot(page, 'editor-form-1280');
      await page.keyboard.press('Escape');
      await page.getByRole('button', { name: 'Add a step', exact: true }).click();
      await page.getByRole('dialog', { name: 'Add a step' }).waitFor();
      await shot(page, 'editor-palette-1280');
      await page.keyboard.press('Escape');
      // A laptop keyboard: Delete removes the selected connection, Ctrl+Z brings it back.
      const edges = page.locator('.vue-flow__edge');
      const count = await edges.count();
      await edges.first().dispatchEvent('click');
      await page.getByText(/^Connection /).waitFor();
      await page.keyboard.press('Delete');
      await expect.poll(() => edges.count()).toBe(count - 1);
      await page.keyboard.press('Control+z');
      await expect.poll(() => edges.count()).toBe(count);
      expect(count).toBeGreaterThan(1);
      expect(errors.map(String)).toEqual([]);
    } finally {
      await context.close();
    }
  });

  it('runs a flow by hand, tests one step and checks a form against its schema in the browser', async () => {
    const { context, page, errors } = await openPage(browser, server.url);
    try {
      await signIn(page, CAREGIVER);
      await seeHome(page);
      await openArea(page, 'Flows');
      await seeFlows(page, ['Kitchen too hot']);
      await openEditor(page, await flowIdByName(server, token, 'Kitchen too hot'));

      // The browser checks values against the schema before the server sees them.
      await tapStep(page, 'quiet_period');
      let sheet = stepSheet(page);
      const minutes = sheet.getByLabel(/^Minutes/);
      await minutes.fill('0');
      await sheet.getByText('Must be > 0').waitFor();
      expect(await minutes.getAttribute('aria-invalid')).toBe('true');
      await minutes.fill('10');
      await expect.poll(() => sheet.getByText('Must be > 0').count()).toBe(0);
      await sheet.getByRole('button', { name: 'Done' }).tap();
      await page.getByRole('button', { name: 'Undo' }).tap();

      // Test this step, with sample data edited by hand.
      await tapStep(page, 'raise_alert');
      sheet = stepSheet(page);
      await sheet.getByText('Test this step').tap();
      await sheet.getByLabel('Sample data').fill('{ "trigger": { "value": 42 } }');
      await sheet.getByRole('combobox', { name: /^Message/ }).fill('Test at {{ trigger.value }}');
      await sheet.getByRole('button', { name: 'Run the test' }).tap();
      await sheet.getByText('Worked').waitFor();
      await sheet.getByText('"message": "Test at 42"').waitFor();
      await sheet.getByRole('button', { name: 'Done' }).tap();

      // Run now: the saved flow runs; the canvas follows the run.
      await page.getByRole('button', { name: 'Run now' }).tap();
      const run = page.getByRole('dialog', { name: 'Run now' });
      await run.getByLabel('Payload (optional JSON)').fill('{ "value": 35');
      await run.getByRole('button', { name: 'Start the run' }).tap();
      await run.getByText('The payload is not valid JSON').waitFor();
      await run.getByLabel('Payload (optional JSON)').fill('{ "value": 35 }');
      await run.getByRole('button', { name: 'Start the run' }).tap();
      await page.getByText(/^Run (completed|failed)/).waitFor({ timeout: 20_000 });
      await stepOnCanvas(page, 'kitchen_heat').getByText('Done', { exact: true }).waitFor();
      expect(errors.map(String)).toEqual([]);
    } finally {
      await context.close();
    }
  });
});
