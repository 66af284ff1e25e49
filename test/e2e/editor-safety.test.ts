import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openArea, seeFlows, seeHome, signIn } from './app.js';
import { launchBrowser, openPage, type OpenedPage } from './browser.js';
import {
  createFlow,
  dragStep,
  openEditor,
  pickStepType,
  stepOnCanvas,
  stepSheet,
  storedFlow,
  tapStep,
} from './editor.js';
import { CAREGIVER, loginToken, startTestServer, type TestServer } from './server.js';

let server: TestServer;
let browser: Browser;
let token: string;
const opened: OpenedPage[] = [];

beforeAll(async () => {
  [server, browser] = await Promise.all([startTestServer(), launchBrowser()]);
  token = await loginToken(server, CAREGIVER);
});

afterAll(async () => {
  for (const { context } of opened) await context.close();
  await browser?.close();
  await server?.close();
});

async function editorFor(id: string): Promise<Page> {
  const one = await openPage(browser, server.url);
  opened.push(one);
  await signIn(one.page, CAREGIVER);
  await seeHome(one.page);
  await openArea(one.page, 'Flows');
  await seeFlows(one.page, ['Kitchen too hot']);
  await openEditor(one.page, id);
  return one.page;
}

async function relabel(page: Page, key: string, label: string): Promise<void> {
  await tapStep(page, key);
  const sheet = stepSheet(page);
  await sheet.getByLabel('Label on the canvas').fill(label);
  await sheet.getByRole('button', { name: 'Done' }).tap();
}

const state = (page: Page, text: string) => page.locator('.state', { hasText: text }).waitFor();
const edgeCount = (page: Page) => page.locator('.vue-flow__edge').count();

describe('two caregivers edit the same flow', () => {
  it('shows the second one a conflict, and both answers do what they say', async () => {
    const id = await createFlow(server, token, {
      name: 'Shared flow',
      steps: [
        { key: 'start', type: 'manual' },
        { key: 'note', type: 'log', label: 'Note', config: { message: 'hi' }, position: { x: 0, y: 220 } },
      ],
      edges: [{ source: 'start', target: 'note' }],
    });
    const [a, b] = [await editorFor(id), await editorFor(id)];

    await relabel(a, 'note', 'From A');
    await a.getByRole('button', { name: 'Save' }).tap();
    await state(a, 'Saved');

    await relabel(b, 'note', 'From B');
    await b.getByRole('button', { name: 'Save' }).tap();
    const dialog = b.getByRole('alertdialog', { name: 'Someone else saved this flow' });
    await dialog.getByText('Version 2 was saved while you were editing version 1').waitFor();
    await dialog.getByText(`Saved by ${CAREGIVER.name} just now.`).waitFor();
    expect((await storedFlow(server, token, id)).version).toBe(2);

    // Keep editing on top: B's change goes over A's with the next save.
    await dialog.getByRole('button', { name: 'Keep editing on top' }).tap();
    await b.getByRole('button', { name: 'Save' }).tap();
    await state(b, 'Saved');
    let stored = await storedFlow(server, token, id);
    expect(stored.version).toBe(3);

    // A is behind now; reloading theirs drops A's edit and shows B's.
    await relabel(a, 'note', 'A again');
    await a.getByRole('button', { name: 'Save' }).tap();
    const second = a.getByRole('alertdialog', { name: 'Someone else saved this flow' });
    await second.getByRole('button', { name: 'Reload theirs' }).tap();
    await stepOnCanvas(a, 'note').getByText('From B').waitFor();
    await state(a, 'Version 3');
    stored = await storedFlow(server, token, id);
    expect(stored.version).toBe(3);
  });
});

describe('an invalid expression', () => {
  it('is shown on its step and field, and nothing is saved', async () => {
    const id = await createFlow(server, token, {
      name: 'Hot or not',
      steps: [
        { key: 'start', type: 'manual' },
        {
          key: 'hot',
          type: 'condition',
          config: { expression: 'trigger.payload.value > 30' },
          position: { x: 0, y: 220 },
        },
      ],
      edges: [{ source: 'start', target: 'hot' }],
    });
    const page = await editorFor(id);
    await tapStep(page, 'hot');
    let sheet = stepSheet(page);
    await sheet.getByRole('combobox', { name: /^Expression/ }).fill('steps.strat.output > 30');
    await sheet.getByRole('button', { name: 'Done' }).tap();
    await page.getByRole('button', { name: 'Save' }).tap();
    await page.locator('.state', { hasText: 'Not saved' }).waitFor();
    expect(await page.locator('.state').textContent()).toContain('Not saved: 1 problem to fix');

    await stepOnCanvas(page, 'hot').getByText('1 problem').waitFor();
    sheet = stepSheet(page);
    const field = sheet.getByRole('combobox', { name: /^Expression/ });
    expect(await field.getAttribute('aria-invalid')).toBe('true');
    const describedBy = (await field.getAttribute('aria-describedby'))!.split(' ');
    const messages = await Promise.all(describedBy.map((one) => page.locator(`[id="${one}"]`).textContent()));
    expect(messages.join(' ')).toMatch(/Unknown step "strat" .*did you mean steps\.start\.output/);

    const stored = await storedFlow(server, token, id);
    expect(stored.version).toBe(1);
    expect(stored.steps.find((s) => s.key === 'hot')?.config.expression).toBe('trigger.payload.value > 30');
  });
});

describe('undo and redo', () => {
  it('take back and redo add, connect, move and delete, and a reload keeps the draft', async () => {
    const id = await createFlow(server, token, {
      name: 'Undo me',
      steps: [{ key: 'start', type: 'manual' }],
    });
    const page = await editorFor(id);
    const undo = page.getByRole('button', { name: 'Undo' });
    const redo = page.getByRole('button', { name: 'Redo' });

    // add (connected to the trigger's port)
    await page.getByRole('button', { name: /^Add a step after start/ }).tap();
    await pickStepType(page, 'Log');
    await stepSheet(page).getByRole('button', { name: 'Done' }).tap();
    // add (loose), then connect by tapping a port, then the step
    await page.getByRole('button', { name: 'Add a step', exact: true }).tap();
    await pickStepType(page, 'Sleep');
    await stepSheet(page).getByRole('button', { name: 'Done' }).tap();
    expect(await edgeCount(page)).toBe(1);
    await stepOnCanvas(page, 'log').locator('.vue-flow__handle[data-handleid="main"]').tap();
    await page.getByText('Connecting from').waitFor();
    await tapStep(page, 'sleep');
    await expect.poll(() => edgeCount(page)).toBe(2);
    // move
    const box = (await stepOnCanvas(page, 'sleep').boundingBox())!;
    await dragStep(page, 'sleep', 40, 90);
    await expect
      .poll(async () => (await stepOnCanvas(page, 'sleep').boundingBox())!.y - box.y)
      .toBeGreaterThan(30);
    // delete
    await tapStep(page, 'log');
    await stepSheet(page).getByRole('button', { name: 'Delete step' }).tap();
    await expect.poll(() => stepOnCanvas(page, 'log').count()).toBe(0);
    expect(await edgeCount(page)).toBe(0);

    await undo.tap(); // delete
    await stepOnCanvas(page, 'log').waitFor();
    expect(await edgeCount(page)).toBe(2);
    await undo.tap(); // move
    await expect.poll(async () => (await stepOnCanvas(page, 'sleep').boundingBox())!.y).toBeCloseTo(box.y, 0);
    await undo.tap(); // connect
    await expect.poll(() => edgeCount(page)).toBe(1);
    await redo.tap(); // connect again
    await expect.poll(() => edgeCount(page)).toBe(2);

    // Ctrl+Z on a laptop keyboard undoes too; Ctrl+Shift+Z redoes.
    await page.locator('.vue-flow__pane').click({ position: { x: 10, y: 10 } });
    await page.keyboard.press('Control+z');
    await expect.poll(() => edgeCount(page)).toBe(1);
    await page.keyboard.press('Control+Shift+z');
    await expect.poll(() => edgeCount(page)).toBe(2);

    await page.reload();
    await page.getByText('Your unsaved changes from before were kept.').waitFor();
    await stepOnCanvas(page, 'sleep').waitFor();
    expect(await stepOnCanvas(page, 'log').count()).toBe(1);
    expect(await edgeCount(page)).toBe(2);
    await state(page, 'Unsaved changes');
    expect((await storedFlow(server, token, id)).steps).toHaveLength(1);

    // Leaving asks first.
    await page.getByRole('link', { name: 'Back to flows' }).tap();
    const leave = page.getByRole('alertdialog', { name: 'Leave without saving?' });
    await leave.getByRole('button', { name: 'Stay and save' }).tap();
    expect(new URL(page.url()).pathname).toContain('/flows/');
  });
});
