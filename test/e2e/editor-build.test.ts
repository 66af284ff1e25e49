import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openArea, seeFlows, seeHome, signIn } from './app.js';
import { launchBrowser, openPage } from './browser.js';
import { flowIdByName, pickStepType, shot, stepOnCanvas, stepSheet, storedFlow } from './editor.js';
import { CAREGIVER, loginToken, startTestServer, type TestServer } from './server.js';

let server: TestServer;
let browser: Browser;
let token: string;

async function ingest(readings: Array<{ node: string; metric: string; value: number }>): Promise<void> {
  const reply = await server.graphql<{ ingestTelemetry: { __typename: string } }>(
    `mutation ($readings: [ReadingInput!]!) { ingestTelemetry(readings: $readings) { __typename } }`,
    { readings },
    token,
  );
  expect(reply.data?.ingestTelemetry.__typename, JSON.stringify(reply)).toBe(
    'MutationIngestTelemetrySuccess',
  );
}

beforeAll(async () => {
  [server, browser] = await Promise.all([startTestServer(), launchBrowser()]);
  token = await loginToken(server, CAREGIVER);
  // Some history for the metric picker's preview; below the threshold, so nothing fires yet.
  await ingest(
    [20, 22, 21, 24, 23].map((value) => ({ node: 'kitchen-climate', metric: 'temperature', value })),
  );
});

afterAll(async () => {
  await browser?.close();
  await server?.close();
});

describe('building "kitchen too hot" by taps on a phone', () => {
  it('adds, configures, connects and saves three steps, then shows a real run live', async () => {
    const { context, page, errors } = await openPage(browser, server.url);
    try {
      await signIn(page, CAREGIVER);
      await seeHome(page);
      await openArea(page, 'Flows');
      await seeFlows(page, ['Kitchen too hot']);
      // The demo flow would fire too; this test's flow is the only one watching the kitchen then.
      const demo = await flowIdByName(server, token, 'Kitchen too hot');
      await server.graphql(
        `mutation ($id: ID!) { updateFlow(id: $id, input: { enabled: false }) { __typename } }`,
        { id: demo },
        token,
      );

      await page.getByRole('button', { name: 'New flow' }).tap();
      const create = page.getByRole('dialog', { name: 'New flow' });
      await create.getByLabel('Name').fill('Hot kitchen by touch');
      await create.getByRole('button', { name: 'Create and edit' }).tap();
      await page.getByRole('heading', { level: 1, name: 'Hot kitchen by touch' }).waitFor();

      // 1. The trigger, with the metric picker and its preview of recent values.
      await page.getByRole('button', { name: 'Add a trigger' }).tap();
      await pickStepType(page, 'Sensor value');
      let sheet = stepSheet(page);
      await sheet.getByLabel(/^Metric/).selectOption('temperature');
      await sheet.getByText('5 recent values · min 20 · avg 22 · max 24').waitFor();
      await sheet.getByRole('img', { name: 'Recent temperature values' }).waitFor();
      // Nodes are picked by name from a searchable list, never typed as an ID.
      await sheet.getByRole('combobox', { name: 'Node', exact: true }).tap();
      await sheet.getByRole('combobox', { name: 'Node', exact: true }).fill('kitchen');
      await sheet.getByRole('option', { name: 'kitchen-climate' }).tap();
      await sheet.getByLabel(/^Operator/).selectOption('>');
      await sheet.getByLabel(/^Value/).fill('30');
      await shot(page, 'editor-form-390');
      await sheet.getByRole('button', { name: 'Done' }).tap();
      await stepOnCanvas(page, 'sensor_value').waitFor();

      // 2. A cooldown after the trigger's port.
      await page.getByRole('button', { name: /^Add a step after Sensor value/ }).tap();
      await pickStepType(page, 'Cooldown');
      sheet = stepSheet(page);
      await sheet.getByLabel(/^Minutes/).fill('15');
      await sheet.getByRole('button', { name: 'Done' }).tap();

      // 3. An alert on the cooldown's "pass" port, its message written with {{ autocomplete.
      await page.getByRole('button', { name: 'Add a step after Cooldown (Pass)' }).tap();
      await pickStepType(page, 'Alert');
      sheet = stepSheet(page);
      const message = sheet.getByRole('combobox', { name: /^Message/ });
      await message.tap();
      await message.pressSequentially('Kitchen at {{ val');
      const option = sheet.getByRole('option', { name: 'trigger.value' });
      await option.waitFor();
      // Keys of the steps before this one come from the unsaved draft graph.
      expect(await sheet.getByRole('listbox').textContent()).not.toContain('steps.alert');
      await option.dispatchEvent('pointerdown');
      await message.pressSequentially(' °C');
      expect(await message.inputValue()).toBe('Kitchen at {{ trigger.value }} °C');
      await sheet.getByRole('button', { name: 'Done' }).tap();

      await page.getByRole('button', { name: 'Save' }).tap();
      await page.locator('.state', { hasText: 'Saved' }).waitFor();
      const id = decodeURIComponent(new URL(page.url()).pathname.split('/').pop()!);
      const saved = await storedFlow(server, token, id);
      expect(saved.steps.map((s) => s.type)).toEqual(['sensor_value', 'cooldown', 'alert']);
      expect(saved.edges).toEqual([
        { source: 'sensor_value', sourcePort: 'main', target: 'cooldown' },
        { source: 'cooldown', sourcePort: 'pass', target: 'alert' },
      ]);
      expect(saved.steps[0]!.config).toMatchObject({ metric: 'temperature', operator: '>', value: 30 });
      expect(atob(String(saved.steps[0]!.config.nodeId))).toMatch(/^GatewayNode:/);
      expect(saved.steps[2]!.config).toMatchObject({ message: 'Kitchen at {{ trigger.value }} °C' });

      // A real reading crosses the threshold; the canvas follows the run it starts.
      await ingest([{ node: 'kitchen-climate', metric: 'temperature', value: 33 }]);
      await page.getByText('Run completed').waitFor({ timeout: 20_000 });
      for (const key of ['sensor_value', 'cooldown', 'alert']) {
        await stepOnCanvas(page, key).getByText('Done', { exact: true }).waitFor();
      }
      await shot(page, 'editor-run-390');
      const alerts = await server.graphql<{ alerts: { edges: Array<{ node: { message: string } }> } }>(
        `{ alerts(first: 5) { edges { node { message } } } }`,
        {},
        token,
      );
      expect(alerts.data?.alerts.edges.map((e) => e.node.message)).toContain('Kitchen at 33 °C');
      expect(errors.map(String)).toEqual([]);
    } finally {
      await context.close();
    }
  });
});
