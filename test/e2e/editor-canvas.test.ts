import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openArea, seeFlows, seeHome, signIn } from './app.js';
import { launchBrowser, openPage, PHONE, type OpenedPage } from './browser.js';
import { createFlow, dragStep, openEditor, stepOnCanvas, stepSheet, storedFlow, tapStep } from './editor.js';
import { CAREGIVER, loginToken, startTestServer, type TestServer } from './server.js';

// The parts of the issue no other editor test touches: the cron builder, positions saved as layout,
// Tidy up, pinch and pan, a mouse drag between ports, and the tablet picker.

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

async function editorFor(id: string, options = PHONE): Promise<OpenedPage> {
  const one = await openPage(browser, server.url, options);
  opened.push(one);
  await signIn(one.page, CAREGIVER);
  await seeHome(one.page);
  await openArea(one.page, 'Flows');
  await seeFlows(one.page, ['Kitchen too hot']);
  await openEditor(one.page, id);
  return one;
}

const state = (page: Page, text: string) => page.locator('.state', { hasText: text }).waitFor();

/** Vue Flow's viewport transform: where the canvas is panned to and how far it is zoomed. */
async function viewport(page: Page): Promise<{ x: number; y: number; zoom: number }> {
  const transform = await page
    .locator('.vue-flow__transformationpane')
    .evaluate((el) => getComputedStyle(el).transform);
  const [a, , , , e, f] = /matrix\(([^)]+)\)/.exec(transform)![1]!.split(',').map(Number);
  return { x: e!, y: f!, zoom: a! };
}

/** Two or one fingers moving in ten steps, as real touch events. */
async function touchGesture(
  page: Page,
  from: Array<{ x: number; y: number }>,
  to: Array<{ x: number; y: number }>,
): Promise<void> {
  const cdp = await page.context().newCDPSession(page);
  const points = (t: number) =>
    from.map((p, i) => ({ x: p.x + (to[i]!.x - p.x) * t, y: p.y + (to[i]!.y - p.y) * t, id: i + 1 }));
  await cdp.send('Input.dispatchTouchEvent', { type: 'touchStart', touchPoints: points(0) });
  for (let i = 1; i <= 10; i++) {
    await cdp.send('Input.dispatchTouchEvent', { type: 'touchMove', touchPoints: points(i / 10) });
  }
  await cdp.send('Input.dispatchTouchEvent', { type: 'touchEnd', touchPoints: [] });
  await cdp.detach();
}

describe('the schedule trigger', () => {
  it('is set with the cron builder, which lists the next five runs in the step’s time zone', async () => {
    const id = await createFlow(server, token, {
      name: 'Weekly call',
      steps: [{ key: 'when', type: 'schedule', config: { cron: '0 9 * * *', timezone: 'Europe/Berlin' } }],
    });
    const { page, errors } = await editorFor(id);
    await tapStep(page, 'when');
    const sheet = stepSheet(page);
    await sheet.getByLabel(/^Cron/).selectOption('weekly');
    await sheet.getByLabel('On', { exact: true }).selectOption({ label: 'Wednesday' });
    await sheet.getByLabel('At', { exact: true }).fill('07:30');
    const runs = sheet.locator('.preview ol li');
    await expect.poll(async () => (await runs.allTextContents()).join(' | ')).toMatch(/Wed/);
    expect(await runs.count()).toBe(5);
    for (const run of await runs.allTextContents()) expect(run).toMatch(/Wed.*07:30/);
    await sheet.getByText('(Europe/Berlin)').waitFor();
    await sheet.getByRole('button', { name: 'Done' }).tap();
    await page.getByRole('button', { name: 'Save' }).tap();
    await state(page, 'Saved');
    expect((await storedFlow(server, token, id)).steps[0]!.config.cron).toBe('30 7 * * 3');
    expect(errors.map(String)).toEqual([]);
  });
});

describe('the canvas by touch', () => {
  it('saves a moved step’s position as layout (no new version) and Tidy up lays the graph out', async () => {
    const id = await createFlow(server, token, {
      name: 'Layout only',
      steps: [
        { key: 'start', type: 'manual', position: { x: 0, y: 0 } },
        { key: 'note', type: 'log', label: 'Note', config: { message: 'hi' }, position: { x: 0, y: 260 } },
      ],
      edges: [{ source: 'start', target: 'note' }],
    });
    const { page, errors } = await editorFor(id);
    await dragStep(page, 'note', 90, 60);
    await expect
      .poll(
        async () => (await storedFlow(server, token, id)).steps.find((s) => s.key === 'note')!.position.x,
        {
          timeout: 10_000,
        },
      )
      .toBeGreaterThan(20);
    let stored = await storedFlow(server, token, id);
    expect(stored.version).toBe(1);
    await state(page, 'Version 1');

    await page.getByRole('button', { name: 'Tidy up' }).tap();
    await expect
      .poll(async () => {
        const steps = (await storedFlow(server, token, id)).steps;
        return (
          steps.find((s) => s.key === 'note')!.position.x - steps.find((s) => s.key === 'start')!.position.x
        );
      })
      .toBe(0);
    stored = await storedFlow(server, token, id);
    expect(stored.version).toBe(1);
    const [start, note] = ['start', 'note'].map((key) => stored.steps.find((s) => s.key === key)!);
    expect(note!.position.y).toBeGreaterThan(start!.position.y);
    expect(errors.map(String)).toEqual([]);
  });

  it('zooms with a pinch and pans with a drag on the background', async () => {
    const id = await createFlow(server, token, {
      name: 'Pinch me',
      steps: [{ key: 'start', type: 'manual', position: { x: 0, y: 0 } }],
    });
    const { page, errors } = await editorFor(id);
    const pane = (await page.locator('.vue-flow__pane').boundingBox())!;
    const cx = pane.x + pane.width / 2;
    const low = pane.y + pane.height - 120;
    const before = await viewport(page);
    await touchGesture(
      page,
      [
        { x: cx - 30, y: low },
        { x: cx + 30, y: low },
      ],
      [
        { x: cx - 120, y: low },
        { x: cx + 120, y: low },
      ],
    );
    await expect.poll(async () => (await viewport(page)).zoom).toBeGreaterThan(before.zoom * 1.3);

    const zoomed = await viewport(page);
    await touchGesture(page, [{ x: pane.x + 40, y: low }], [{ x: pane.x + 140, y: low - 80 }]);
    await expect.poll(async () => (await viewport(page)).x).toBeGreaterThan(zoomed.x + 50);
    expect((await viewport(page)).zoom).toBeCloseTo(zoomed.zoom, 3);
    expect(errors.map(String)).toEqual([]);
  });

  it('picks the tablet to speak on by name', async () => {
    const id = await createFlow(server, token, {
      name: 'Say hello',
      steps: [
        { key: 'start', type: 'manual' },
        { key: 'say', type: 'tts_announcement', config: { message: 'Hello' }, position: { x: 0, y: 220 } },
      ],
      edges: [{ source: 'start', target: 'say' }],
    });
    const { page, errors } = await editorFor(id);
    await tapStep(page, 'say');
    const sheet = stepSheet(page);
    const tablet = sheet.getByRole('combobox', { name: 'Tablet', exact: true });
    expect(await tablet.getAttribute('placeholder')).toBe('Every tablet');
    await tablet.tap();
    await sheet.getByRole('option', { name: 'Kitchen tablet (Kitchen)' }).tap();
    expect(await tablet.inputValue()).toBe('Kitchen tablet (Kitchen)');
    await sheet.getByRole('button', { name: 'Done' }).tap();
    await page.getByRole('button', { name: 'Save' }).tap();
    await state(page, 'Saved');
    const deviceId = String(
      (await storedFlow(server, token, id)).steps.find((s) => s.key === 'say')!.config.deviceId,
    );
    expect(atob(deviceId)).toMatch(/^Device:/);

    // Reopened, the picker shows the name again, and clearing it means every tablet.
    await tapStep(page, 'say');
    expect(await tablet.inputValue()).toBe('Kitchen tablet (Kitchen)');
    await sheet.getByRole('button', { name: 'Clear: Every tablet' }).tap();
    expect(await tablet.inputValue()).toBe('');
    await sheet.getByRole('button', { name: 'Done' }).tap();
    await state(page, 'Unsaved changes');
    expect(errors.map(String)).toEqual([]);
  });
});

describe('the canvas with a mouse', () => {
  it('connects two steps by dragging from a port to the other step', async () => {
    const id = await createFlow(server, token, {
      name: 'Drag to connect',
      steps: [
        { key: 'start', type: 'manual', position: { x: 0, y: 0 } },
        { key: 'note', type: 'log', label: 'Note', config: { message: 'hi' }, position: { x: 0, y: 260 } },
      ],
    });
    const { page, errors } = await editorFor(id, LAPTOP);
    const from = (await stepOnCanvas(page, 'start')
      .locator('.vue-flow__handle[data-handleid="main"]')
      .boundingBox())!;
    const to = (await stepOnCanvas(page, 'note')
      .locator('.vue-flow__handle[data-handleid="in"]')
      .boundingBox())!;
    await page.mouse.move(from.x + from.width / 2, from.y + from.height / 2);
    await page.mouse.down();
    await page.mouse.move(to.x + to.width / 2, to.y + to.height / 2, { steps: 12 });
    await page.mouse.up();
    await expect.poll(() => page.locator('.vue-flow__edge').count()).toBe(1);
    await state(page, 'Unsaved changes');
    await page.getByRole('button', { name: 'Save' }).click();
    await state(page, 'Saved');
    expect((await storedFlow(server, token, id)).edges).toEqual([
      { source: 'start', sourcePort: 'main', target: 'note' },
    ]);
    expect(errors.map(String)).toEqual([]);
  });
});
