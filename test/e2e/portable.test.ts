import fs from 'node:fs';
import path from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { seeFlows, seeHome, signIn } from './app.js';
import { launchBrowser, openPage, PHONE } from './browser.js';
import { flowIdByName, openEditor } from './editor.js';
import {
  axe,
  download,
  flowNames as flowNamesOf,
  LAPTOP,
  openFlows,
  sheet,
  shot,
  variablesOf,
} from './portable.js';
import { CAREGIVER, loginToken, startTestServer, type TestServer } from './server.js';

let server: TestServer;
let browser: Browser;
let token: string;
/** The demo flow's bundle as the app downloaded it, for the import tests. */
let yamlFile = '';
let jsonText = '';

beforeAll(async () => {
  [server, browser] = await Promise.all([startTestServer(), launchBrowser()]);
  token = await loginToken(server, CAREGIVER);
});

afterAll(async () => {
  const alive = await fetch(`${server.url}/healthz`).then(
    (r) => r.ok,
    () => false,
  );
  if (!alive) console.log('SERVER DIED', server.process.output().slice(-5000));
  await browser?.close();
  await server?.close();
});

const flowNames = () => flowNamesOf(server, token);
const variables = (scope: 'FLOW' | 'GLOBAL', flowId?: string) => variablesOf(server, token, scope, flowId);

describe('export and import from the flows list', () => {
  it('exports a demo flow as YAML and JSON, each naming the flow and saying what it leaves out', async () => {
    const opened = await openPage(browser, server.url, { ...PHONE, acceptDownloads: true });
    const { page, context, errors } = opened;
    try {
      await openFlows(opened);
      await page.getByRole('button', { name: 'Export Kitchen too hot' }).tap();
      const dialog = sheet(page, 'Export “Kitchen too hot”');
      await dialog.getByText('3 steps').waitFor();
      await dialog.getByRole('heading', { name: 'Left out of the file' }).waitFor();
      await dialog.getByText('Nothing: no secrets are used by this flow.').waitFor();
      await shot(page, 'export-390');
      expect(await axe(page, 'dialog[open]')).toEqual([]);

      const yaml = await download(page, dialog, 'YAML');
      expect(yaml.name).toBe('kitchen-too-hot.kinflow.yaml');
      const bundle = parseYaml(yaml.text) as { kind: string; flow: { name: string }; steps: unknown[] };
      expect(bundle.kind).toBe('kinflow/flow-bundle');
      expect(bundle.flow.name).toBe('Kitchen too hot');
      expect(bundle.steps).toHaveLength(3);
      await dialog.getByText('Saved as kitchen-too-hot.kinflow.yaml.').waitFor();

      const json = await download(page, dialog, 'JSON');
      expect(json.name).toBe('kitchen-too-hot.kinflow.json');
      expect((JSON.parse(json.text) as typeof bundle).flow.name).toBe('Kitchen too hot');
      expect(JSON.parse(json.text)).toEqual(bundle);
      yamlFile = path.join(fs.mkdtempSync('/tmp/kinflow-bundle-'), yaml.name);
      fs.writeFileSync(yamlFile, yaml.text);
      jsonText = json.text;
      expect(errors.map(String)).toEqual([]);
    } finally {
      await context.close();
    }
  });

  it('imports the file back under a new name after showing the clash and each step', async () => {
    expect(yamlFile, 'the export test runs first').not.toBe('');
    const opened = await openPage(browser, server.url);
    const { page, context, errors } = opened;
    try {
      await openFlows(opened);
      const before = await flowNames();
      await page.getByRole('button', { name: 'Import', exact: true }).tap();
      const dialog = sheet(page, 'Import a flow');
      await dialog.locator('input[type=file]').setInputFiles(yamlFile);

      await dialog.getByText('A flow named “Kitchen too hot” already exists').waitFor();
      const name = dialog.getByLabel('Name of the new flow');
      await expect.poll(() => name.inputValue()).toBe('Kitchen too hot (2)');
      expect(await dialog.getByRole('radio', { name: 'Import as a new flow' }).isChecked()).toBe(true);
      const steps = dialog.getByRole('list', { name: 'Steps (3)' });
      for (const key of ['kitchen_heat', 'quiet_period', 'raise_alert'])
        await steps.getByRole('listitem').filter({ hasText: key }).getByText('OK').waitFor();
      await dialog.getByText('Ready to import “Kitchen too hot (2)”.').waitFor();
      expect(await flowNames(), 'the preview writes nothing').toEqual(before);
      await shot(page, 'import-review-390');
      expect(await axe(page, 'dialog[open]')).toEqual([]);

      await page.getByRole('button', { name: 'Import “Kitchen too hot (2)”' }).tap();
      await dialog.getByText('Imported “Kitchen too hot (2)” with 3 steps.').waitFor();
      await seeFlows(page, ['Kitchen too hot (2)']);
      expect(await flowNames()).toEqual([...before, 'Kitchen too hot (2)'].sort());

      await page.getByRole('link', { name: 'Open “Kitchen too hot (2)”' }).tap();
      await page.waitForURL(/\/flows\/.+/);
      await page.locator('.vue-flow__node[data-id="quiet_period"]').waitFor();
      expect(errors.map(String)).toEqual([]);
    } finally {
      await context.close();
    }
  });

  it('shows a bundle’s problems by step and field, and imports nothing', async () => {
    expect(jsonText, 'the export test runs first').not.toBe('');
    const broken = JSON.parse(jsonText) as {
      flow: { name: string };
      steps: Array<{ key: string; config: Record<string, unknown> }>;
    };
    broken.flow.name = 'Broken kitchen';
    broken.steps.find((step) => step.key === 'quiet_period')!.config.minutes = 'soon';
    const opened = await openPage(browser, server.url);
    const { page, context, errors } = opened;
    try {
      await openFlows(opened);
      const before = await flowNames();
      await page.getByRole('button', { name: 'Import', exact: true }).tap();
      const dialog = sheet(page, 'Import a flow');
      await shot(page, 'import-pick-390');
      await dialog.getByLabel('Or paste the bundle').fill(JSON.stringify(broken, null, 2));
      await dialog.getByRole('button', { name: 'Check pasted bundle' }).tap();

      await dialog.getByText('1 problem stops this import.').waitFor();
      const step = dialog.getByRole('listitem').filter({ hasText: 'quiet_period' });
      await step.getByText('Problem', { exact: true }).waitFor();
      await step.getByText(/config\.minutes/).waitFor();
      const confirm = page.getByRole('button', { name: 'Import “Broken kitchen”' });
      expect(await confirm.getAttribute('aria-disabled')).toBe('true');
      await shot(page, 'import-problem-390');
      await confirm.dispatchEvent('click'); // playwright will not tap an aria-disabled button
      await page.waitForTimeout(300); // give a wrongly sent import the time to land
      expect(await flowNames()).toEqual(before);
      expect(await axe(page, 'dialog[open]')).toEqual([]);

      await page.getByRole('button', { name: 'Choose another' }).tap();
      await dialog.getByLabel('Or paste the bundle').fill('just: some yaml');
      await dialog.getByRole('button', { name: 'Check pasted bundle' }).tap();
      await dialog.getByText('This is not a Kinflow flow bundle.').waitFor();
      await shot(page, 'import-not-bundle-390');
      await dialog.getByText(/kind/).first().waitFor();
      expect(await flowNames()).toEqual(before);
      expect(errors.map(String)).toEqual([]);
    } finally {
      await context.close();
    }
  });
  it('asks for a left-out secret and a local tablet for a missing one, then imports with both', async () => {
    expect(jsonText, 'the export test runs first').not.toBe('');
    const bundle = JSON.parse(jsonText) as {
      flow: { name: string };
      steps: Array<{ key: string; type: string; config: Record<string, unknown> }>;
      edges: Array<{ source: string; sourcePort: string; target: string }>;
      references: unknown[];
      secrets: unknown[];
    };
    bundle.flow.name = 'Kitchen heat, said aloud';
    delete bundle.steps.find((step) => step.key === 'raise_alert')!.config.message;
    bundle.steps.push({
      key: 'say',
      type: 'tts_announcement',
      config: { message: 'Hot!', deviceId: 'Attic tablet' },
    });
    bundle.edges.push({ source: 'raise_alert', sourcePort: 'main', target: 'say' });
    bundle.references.push({
      kind: 'device',
      name: 'Attic tablet',
      usedBy: [{ step: 'say', field: 'config.deviceId' }],
    });
    bundle.secrets.push({
      step: 'raise_alert',
      field: 'config.message',
      fill: 'on_import',
      hint: 'the alert text',
    });
    const opened = await openPage(browser, server.url);
    const { page, context, errors } = opened;
    try {
      await openFlows(opened);
      const before = await flowNames();
      await page.getByRole('button', { name: 'Import', exact: true }).tap();
      const dialog = sheet(page, 'Import a flow');
      await dialog.getByLabel('Or paste the bundle').fill(JSON.stringify(bundle));
      await dialog.getByRole('button', { name: 'Check pasted bundle' }).tap();

      await dialog.getByText(/problems? stops? this import/).waitFor();
      const tablet = dialog.getByRole('listitem').filter({ hasText: 'Attic tablet' });
      await tablet.getByText('Missing', { exact: true }).waitFor();
      await tablet.getByText(/create a device named "Attic tablet"/).waitFor();
      await dialog.getByRole('heading', { name: 'Secrets to fill in' }).waitFor();
      await shot(page, 'import-needs-390');
      expect(await axe(page, 'dialog[open]')).toEqual([]);

      await dialog.getByLabel('Use this tablet here instead (its name)').fill('Kitchen tablet');
      await tablet.getByText('Found', { exact: true }).waitFor();
      await dialog.getByLabel('step “raise_alert”, config.message').fill('The kitchen is hot');
      await dialog.getByText('Ready to import “Kitchen heat, said aloud”.').waitFor();
      expect(await flowNames(), 'the preview writes nothing').toEqual(before);
      await page.getByRole('button', { name: 'Import “Kitchen heat, said aloud”' }).tap();
      await dialog.getByText('Imported “Kitchen heat, said aloud” with 4 steps.').waitFor();

      const id = await flowIdByName(server, token, 'Kitchen heat, said aloud');
      const reply = await server.graphql<{
        flow: { steps: Array<{ key: string; config: Record<string, unknown> }> };
      }>(`query ($id: ID!) { flow(id: $id) { steps { key config } } }`, { id }, token);
      const config = (key: string) => reply.data!.flow.steps.find((step) => step.key === key)!.config;
      expect(config('raise_alert').message).toBe('The kitchen is hot');
      expect(config('say').deviceId).toEqual(expect.any(String));
      expect(config('say').deviceId).not.toBe('Attic tablet');
      expect(errors.map(String)).toEqual([]);
    } finally {
      await context.close();
    }
  });
  it('lets a clashing action template be added under a new name, leaving the local one alone', async () => {
    expect(jsonText, 'the export test runs first').not.toBe('');
    const made = await server.graphql(
      `mutation { createActionTemplate(name: "Family alert", type: "alert",
        config: { level: "warning", message: "Local words" }) { __typename } }`,
      {},
      token,
    );
    expect(JSON.stringify(made)).toContain('MutationCreateActionTemplateSuccess');
    const bundle = JSON.parse(jsonText) as {
      flow: { name: string };
      steps: Array<{ key: string; actionTemplate?: string; config: Record<string, unknown> }>;
      actionTemplates: unknown[];
    };
    bundle.flow.name = 'Kitchen with a template';
    const alert = bundle.steps.find((step) => step.key === 'raise_alert')!;
    alert.actionTemplate = 'Family alert';
    alert.config = {};
    bundle.actionTemplates.push({
      name: 'Family alert',
      type: 'alert',
      config: { level: 'info', message: 'Bundled words' },
    });
    const opened = await openPage(browser, server.url);
    const { page, context, errors } = opened;
    try {
      await openFlows(opened);
      await page.getByRole('button', { name: 'Import', exact: true }).tap();
      const dialog = sheet(page, 'Import a flow');
      await dialog.getByLabel('Or paste the bundle').fill(JSON.stringify(bundle));
      await dialog.getByRole('button', { name: 'Check pasted bundle' }).tap();
      await dialog.getByText('Action templates with names already used here').waitFor();
      expect(await dialog.getByRole('radio', { name: /Add them under new names/ }).isChecked()).toBe(true);
      await dialog.getByText('Created under a new name as “Family alert (2)”.').waitFor();
      await dialog.getByText('Ready to import “Kitchen with a template”.').waitFor();
      await shot(page, 'import-templates-390');
      expect(await axe(page, 'dialog[open]')).toEqual([]);
      await page.getByRole('button', { name: 'Import “Kitchen with a template”' }).tap();
      await dialog.getByText('Imported “Kitchen with a template” with 3 steps.').waitFor();

      const reply = await server.graphql<{
        actionTemplates: Array<{ name: string; config: { message: string } }>;
      }>(`{ actionTemplates(type: "alert") { name config } }`, {}, token);
      const byName = Object.fromEntries(reply.data!.actionTemplates.map((t) => [t.name, t.config.message]));
      expect(byName).toMatchObject({ 'Family alert': 'Local words', 'Family alert (2)': 'Bundled words' });
      expect(errors.map(String)).toEqual([]);
    } finally {
      await context.close();
    }
  });
});

describe('a flow’s variables on its settings screen', () => {
  it('adds, edits and deletes a variable, checked through the API, with globals shown read-only', async () => {
    const flowId = await flowIdByName(server, token, 'Morning greeting');
    const global = await server.graphql(
      `mutation { setVariable(scope: GLOBAL, key: "visits", value: 1) { __typename } }`,
      {},
      token,
    );
    expect(JSON.stringify(global)).toContain('MutationSetVariableSuccess');
    const opened = await openPage(browser, server.url);
    const { page, context, errors } = opened;
    try {
      await signIn(page, CAREGIVER);
      await seeHome(page);
      await openEditor(page, flowId);
      await page.getByRole('button', { name: 'Flow settings' }).tap();
      const dialog = sheet(page, 'Flow settings');
      await dialog.getByText('This flow has no variables yet.').waitFor();
      const globals = dialog.getByRole('list', { name: 'Global variables' });
      await globals.getByText('visits').waitFor();
      expect(await globals.getByRole('button').count(), 'globals are read-only here').toBe(0);

      await dialog.getByRole('button', { name: 'Add variable' }).tap();
      await dialog.getByLabel('Variable name').fill('9visits');
      await dialog.getByLabel('Value (JSON)').fill('calm');
      await dialog.getByRole('button', { name: 'Add variable' }).tap();
      await dialog.getByText(/starting with a letter or _/).waitFor();
      await dialog.getByText(/Text needs double quotes/).waitFor();
      expect(await dialog.getByLabel('Variable name').getAttribute('aria-invalid')).toBe('true');
      expect(await variables('FLOW', flowId)).toEqual({});

      await dialog.getByLabel('Variable name').fill('visits');
      await dialog.getByLabel('Value (JSON)').fill('{"count": 2, "rooms": ["hall"]}');
      await dialog.getByRole('button', { name: 'Add variable' }).tap();
      await dialog.getByText('Saved “visits”.').waitFor();
      const focused = () => page.evaluate(() => document.activeElement?.getAttribute('aria-label'));
      await expect.poll(focused, { message: 'focus lands on the saved row' }).toBe('Edit visits');
      await globals.getByText('Overridden here').waitFor();
      expect(await variables('FLOW', flowId)).toEqual({ visits: { count: 2, rooms: ['hall'] } });
      await shot(page, 'variables-390');
      expect(await axe(page, 'dialog[open]')).toEqual([]);

      await dialog.getByRole('button', { name: 'Edit visits' }).tap();
      expect(await dialog.getByLabel('Variable name').getAttribute('readonly')).not.toBeNull();
      await dialog.getByLabel('Value (JSON)').fill('{"count": 3');
      await dialog.getByRole('button', { name: 'Save value' }).tap();
      await dialog.getByText(/not valid JSON/).waitFor();
      await shot(page, 'variables-edit-390');
      await dialog.getByLabel('Value (JSON)').fill('3');
      await dialog.getByRole('button', { name: 'Save value' }).tap();
      await dialog.getByText('Saved “visits”.').waitFor();
      await dialog
        .getByRole('list', { name: 'This flow’s variables' })
        .getByText('3', { exact: true })
        .waitFor();
      expect(await variables('FLOW', flowId)).toEqual({ visits: 3 });

      await dialog.getByRole('button', { name: 'Delete visits' }).tap();
      const confirm = page.getByRole('alertdialog', { name: 'Delete the variable “visits”?' });
      await confirm.getByRole('button', { name: 'Cancel' }).tap();
      expect(await variables('FLOW', flowId)).toEqual({ visits: 3 });
      await dialog.getByRole('button', { name: 'Delete visits' }).tap();
      await confirm.getByRole('button', { name: 'Delete variable' }).tap();
      await dialog.getByText('Deleted “visits”.').waitFor();
      await dialog.getByText('This flow has no variables yet.').waitFor();
      expect(await variables('FLOW', flowId)).toEqual({});
      expect(await variables('GLOBAL'), 'the global one is untouched').toMatchObject({ visits: 1 });
      expect(errors.map(String)).toEqual([]);
    } finally {
      await context.close();
    }
  });

  it('lays out the import review and the variables on a laptop', async () => {
    const flowId = await flowIdByName(server, token, 'Bathroom check-in');
    await server.graphql(
      `mutation ($flowId: ID!) { setVariable(scope: FLOW, flowId: $flowId, key: "last_check", value: "2026-12-01T08:00:00Z") { __typename } }`,
      { flowId },
      token,
    );
    const opened = await openPage(browser, server.url, LAPTOP);
    const { page, context, errors } = opened;
    try {
      await openFlows(opened);
      await page.getByRole('button', { name: 'Import', exact: true }).click();
      const dialog = sheet(page, 'Import a flow');
      await dialog.locator('input[type=file]').setInputFiles(yamlFile);
      await dialog.getByText('A flow named “Kitchen too hot” already exists').waitFor();
      await dialog.getByText(/Ready to import/).waitFor();
      await shot(page, 'import-review-1280');
      expect(await axe(page, 'dialog[open]')).toEqual([]);

      // Replacing keeps the flow (and its id): the list has as many flows as before.
      const before = await flowNames();
      const kitchen = await flowIdByName(server, token, 'Kitchen too hot');
      await dialog.getByRole('radio', { name: 'Replace the existing flow' }).check();
      await page.getByRole('button', { name: 'Replace “Kitchen too hot”' }).click();
      await dialog.getByText('Replaced “Kitchen too hot” with 3 steps.').waitFor();
      expect(await flowNames()).toEqual(before);
      expect(await flowIdByName(server, token, 'Kitchen too hot')).toBe(kitchen);
      await dialog.getByRole('button', { name: 'Close' }).click();

      await openEditor(page, flowId);
      await page.getByRole('button', { name: 'Flow settings' }).click();
      const settings = sheet(page, 'Flow settings');
      await settings.getByText('last_check').waitFor();
      await settings.getByRole('heading', { name: 'Variables' }).scrollIntoViewIfNeeded();
      await shot(page, 'variables-1280');
      expect(await axe(page, 'dialog[open]')).toEqual([]);
      expect(errors.map(String)).toEqual([]);
    } finally {
      await context.close();
    }
  });
});
