import AxeBuilder from '@axe-core/playwright';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openArea, seeFlows, seeHome, signIn } from './app.js';
import { launchBrowser, openPage, PHONE, type OpenedPage } from './browser.js';
import { createFlow, flowIdByName, openEditor, shot, stepSheet, storedFlow, tapStep } from './editor.js';
import { ADMIN, CAREGIVER, loginToken, startTestServer, type TestServer } from './server.js';

// Pickers by name for config fields that name other objects, action templates, expression errors
// while typing, and a conflict dialog that says who saved first.

let server: TestServer;
let browser: Browser;
let token: string;
const opened: OpenedPage[] = [];
const LAPTOP = { ...PHONE, viewport: { width: 1280, height: 800 }, isMobile: false, hasTouch: false };

beforeAll(async () => {
  [server, browser] = await Promise.all([startTestServer(), launchBrowser()]);
  token = await loginToken(server, CAREGIVER);
});

afterAll(async () => {
  for (const { context } of opened) await context.close();
  await browser?.close();
  await server?.close();
});

async function editorFor(id: string, who = CAREGIVER, options = PHONE): Promise<OpenedPage> {
  const one = await openPage(browser, server.url, options);
  opened.push(one);
  await signIn(one.page, who);
  await seeHome(one.page);
  await openArea(one.page, 'Flows');
  await seeFlows(one.page, ['Kitchen too hot']);
  await openEditor(one.page, id);
  return one;
}

async function violations(page: Page, include: string): Promise<string[]> {
  const { violations: found } = await new AxeBuilder({ page })
    .withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa'])
    .include(include)
    .analyze();
  return found.map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`);
}

const state = (page: Page, text: string) => page.locator('.state', { hasText: text }).waitFor();

/** A manual start followed by a `trigger_flow` step ("next") that starts "Morning greeting". */
const handOverFlow = (name: string) =>
  createFlow(server, token, {
    name,
    steps: [
      { key: 'start', type: 'manual' },
      {
        key: 'next',
        type: 'trigger_flow',
        label: 'Next flow',
        config: { flowName: 'Morning greeting' },
        position: { x: 0, y: 220 },
      },
    ],
    edges: [{ source: 'start', target: 'next' }],
  });

describe('config fields that name other objects', () => {
  it('picks the flow to run by searching its name, by touch, and saves the name', async () => {
    const id = await handOverFlow('Hand over');
    const { page, errors } = await editorFor(id);
    await tapStep(page, 'next');
    const sheet = stepSheet(page);
    const flow = sheet.getByRole('combobox', { name: 'Flow', exact: true });
    expect(await flow.inputValue()).toBe('Morning greeting');
    // The by-ID field asks the same question: it stays out of the way while it is empty.
    expect(await sheet.getByRole('combobox').count()).toBe(1);

    await flow.tap();
    const list = sheet.getByRole('listbox');
    await list.waitFor();
    const names = await list.getByRole('option').allTextContents();
    expect(names.map((n) => n.trim())).toEqual(
      expect.arrayContaining(['Bathroom check-in', 'Kitchen too hot', 'Morning greeting']),
    );
    // A flow cannot start itself, so it is not offered.
    expect(names.map((n) => n.trim())).not.toContain('Hand over');
    await flow.fill('bath');
    expect((await list.getByRole('option').allTextContents()).map((n) => n.trim())).toEqual([
      'Bathroom check-in',
    ]);
    for (const option of await list.getByRole('option').all()) {
      expect((await option.boundingBox())!.height).toBeGreaterThanOrEqual(44);
    }
    expect(await violations(page, 'dialog[open]')).toEqual([]);
    await shot(page, 'picker-390');
    await list.getByRole('option', { name: 'Bathroom check-in' }).tap();
    expect(await flow.inputValue()).toBe('Bathroom check-in');
    await sheet.getByRole('button', { name: 'Done' }).tap();

    await page.getByRole('button', { name: 'Save' }).tap();
    await state(page, 'Saved');
    const stored = await storedFlow(server, token, id);
    expect(stored.steps.find((s) => s.key === 'next')!.config).toMatchObject({
      flowName: 'Bathroom check-in',
    });
    expect(errors.map(String)).toEqual([]);
  });

  it('starts a step from an action template picked by name; empty fields show its values', async () => {
    const template = await server.graphql<{ createActionTemplate: { data?: { id: string } } }>(
      `mutation { createActionTemplate(name: "Warn the family", type: "alert", description: "The family chat gets it",
         config: { level: "emergency", message: "Something needs a look" }) {
         ... on MutationCreateActionTemplateSuccess { data { id } } } }`,
      {},
      token,
    );
    const templateId = template.data!.createActionTemplate.data!.id;
    const id = await createFlow(server, token, {
      name: 'Templated',
      steps: [
        { key: 'start', type: 'manual' },
        {
          key: 'warn',
          type: 'alert',
          label: 'Warn',
          config: { message: 'Own words', level: 'warning' },
          position: { x: 0, y: 220 },
        },
      ],
      edges: [{ source: 'start', target: 'warn' }],
    });
    const { page, errors } = await editorFor(id);
    await tapStep(page, 'warn');
    const sheet = stepSheet(page);
    const picker = sheet.getByRole('combobox', { name: 'Start from a saved action' });
    await picker.tap();
    await sheet.getByRole('option', { name: 'Warn the family' }).tap();
    await sheet
      .getByText('The family chat gets it. Fields you leave empty take the template’s values.')
      .waitFor();
    // Clearing the own message lets the template's show through as the field's placeholder.
    const message = sheet.getByRole('combobox', { name: /^Message/ });
    await message.fill('');
    expect(await message.getAttribute('placeholder')).toBe('Something needs a look');
    // No "required" complaint: the template supplies the message.
    expect(await sheet.locator('.error').count()).toBe(0);
    // Fields the step does not set show what the template gives them, not the schema's default.
    expect(await sheet.getByLabel('Level').inputValue()).toBe('emergency');
    await shot(page, 'template-390');
    await sheet.getByRole('button', { name: 'Done' }).tap();

    await page.getByRole('button', { name: 'Save' }).tap();
    await state(page, 'Saved');
    const reply = await server.graphql<{
      flow: {
        steps: Array<{ key: string; config: Record<string, unknown>; actionTemplate: { id: string } | null }>;
      };
    }>(`query ($id: ID!) { flow(id: $id) { steps { key config actionTemplate { id } } } }`, { id }, token);
    const warn = reply.data!.flow.steps.find((s) => s.key === 'warn')!;
    expect(warn.actionTemplate?.id).toBe(templateId);
    // The level the step started with was a default, so the template's level is not hidden by it.
    expect(warn.config.message).toBeUndefined();
    expect(warn.config.level).toBeUndefined();
    expect(errors.map(String)).toEqual([]);
  });
});

describe('expressions while typing', () => {
  it('shows the server’s parse error and its suggestion under the field, before any save', async () => {
    const id = await createFlow(server, token, {
      name: 'Typing check',
      steps: [
        { key: 'start', type: 'manual' },
        {
          key: 'hot',
          type: 'condition',
          label: 'Hot?',
          config: { expression: 'trigger.payload.value > 30' },
          position: { x: 0, y: 220 },
        },
      ],
      edges: [{ source: 'start', target: 'hot' }],
    });
    const { page, errors } = await editorFor(id);
    await tapStep(page, 'hot');
    const sheet = stepSheet(page);
    const field = sheet.getByRole('combobox', { name: /^Expression/ });
    const error = sheet.locator('[data-field="config.expression"] .error');

    await field.fill('trigger.payload.value >');
    await error.waitFor();
    expect(await field.getAttribute('aria-invalid')).toBe('true');
    const parse = (await error.textContent())!;
    expect(parse.length).toBeGreaterThan(5);

    await field.fill('steps.strat.output > 30');
    await error.filter({ hasText: /did you mean steps\.start\.output/ }).waitFor();
    await shot(page, 'expression-error-390');

    await field.fill('steps.start.output.value > 30');
    await expect.poll(() => error.count()).toBe(0);
    expect(await field.getAttribute('aria-invalid')).toBeNull();
    // Nothing was saved along the way.
    expect((await storedFlow(server, token, id)).version).toBe(1);
    expect(errors.map(String)).toEqual([]);
  });
});

describe('a conflict', () => {
  it('says who saved first and when, and keeps both choices', async () => {
    const id = await createFlow(server, token, {
      name: 'Two people',
      steps: [
        { key: 'start', type: 'manual' },
        { key: 'note', type: 'log', label: 'Note', config: { message: 'hi' }, position: { x: 0, y: 220 } },
      ],
      edges: [{ source: 'start', target: 'note' }],
    });
    const admin = await editorFor(id, { ...ADMIN, name: 'Administrator' });
    const casey = await editorFor(id, CAREGIVER, LAPTOP);

    await tapStep(admin.page, 'note');
    await stepSheet(admin.page).getByLabel('Label on the canvas').fill('Admin was here');
    await stepSheet(admin.page).getByRole('button', { name: 'Done' }).tap();
    await admin.page.getByRole('button', { name: 'Save' }).tap();
    await state(admin.page, 'Saved');

    await casey.page.locator('.vue-flow__node[data-id="note"] .label').click();
    await stepSheet(casey.page).getByLabel('Label on the canvas').fill('Casey was here');
    await stepSheet(casey.page).getByRole('button', { name: 'Done' }).click();
    await casey.page.getByRole('button', { name: 'Save' }).click();
    const dialog = casey.page.getByRole('alertdialog', { name: 'Someone else saved this flow' });
    await dialog.getByText('Saved by Administrator just now.').waitFor();
    await dialog.getByText('Version 2 was saved while you were editing version 1').waitFor();
    for (const name of ['Reload theirs', 'Keep editing on top', 'Decide later'])
      await dialog.getByRole('button', { name }).waitFor();
    expect(await violations(casey.page, 'dialog[open]')).toEqual([]);
    await shot(casey.page, 'conflict-1280');

    // Deciding later keeps the draft and the question open for the next save.
    await dialog.getByRole('button', { name: 'Decide later' }).click();
    await state(casey.page, 'someone else saved first');
    expect(await casey.page.locator('.vue-flow__node[data-id="note"]').textContent()).toContain(
      'Casey was here',
    );
    await casey.page.getByRole('button', { name: 'Save' }).click();
    await dialog.getByRole('button', { name: 'Keep editing on top' }).click();
    await casey.page.getByRole('button', { name: 'Save' }).click();
    await state(casey.page, 'Saved');
    const stored = await server.graphql<{ flow: { version: number; updatedBy: string } }>(
      `query ($id: ID!) { flow(id: $id) { version updatedBy } }`,
      { id },
      token,
    );
    expect(stored.data!.flow).toEqual({ version: 3, updatedBy: CAREGIVER.name });
    expect([...admin.errors, ...casey.errors].map(String)).toEqual([]);
  });
});

describe('screenshots', () => {
  it('of the editor and a config form at 390×844 and 1280×800', async () => {
    const id = await flowIdByName(server, token, 'Kitchen too hot');
    for (const [size, options] of [
      ['390', PHONE],
      ['1280', LAPTOP],
    ] as const) {
      const { page, errors } = await editorFor(id, CAREGIVER, options);
      await page.locator('.vue-flow__node[data-id="raise_alert"]').waitFor();
      await shot(page, `editor-${size}`);
      await page.locator('.vue-flow__node[data-id="kitchen_heat"] .label').click();
      await stepSheet(page).getByRole('combobox', { name: 'Node', exact: true }).click();
      await shot(page, `picker-node-${size}`);
      expect(errors.map(String)).toEqual([]);
    }
  });
});

describe('a household with more flows than one page', () => {
  it('offers every flow in the picker, also the ones past the first hundred', async () => {
    for (let i = 1; i <= 101; i++) {
      await createFlow(server, token, {
        name: `Zz routine ${String(i).padStart(3, '0')}`,
        steps: [{ key: 'start', type: 'manual' }],
        edges: [],
      });
    }
    const id = await handOverFlow('Hand over later');
    const { page } = await editorFor(id);
    await tapStep(page, 'next');
    const flow = stepSheet(page).getByRole('combobox', { name: 'Flow', exact: true });
    await flow.tap();
    await flow.fill('routine 101');
    const list = stepSheet(page).getByRole('listbox');
    await expect
      .poll(async () => (await list.getByRole('option').allTextContents()).map((n) => n.trim()))
      .toEqual(['Zz routine 101']);
  });
});
