import fs from 'node:fs';
import AxeBuilder from '@axe-core/playwright';
import type { Browser, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { seeHome, signIn } from './app.js';
import { launchBrowser, openPage, type OpenedPage } from './browser.js';
import { ADMIN, CAREGIVER, loginToken, startTestServer, type TestServer } from './server.js';

const SHOTS = new URL('./__screenshots__/', import.meta.url);

let server: TestServer;
let browser: Browser;
let admin: string;
const opened: OpenedPage[] = [];

beforeAll(async () => {
  [server, browser] = await Promise.all([startTestServer(), launchBrowser()]);
  admin = await loginToken(server, ADMIN);
});

afterAll(async () => {
  await browser?.close();
  await server?.close();
});

afterEach(async () => {
  const errors = opened.flatMap((o) => o.errors);
  for (const o of opened.splice(0)) await o.context.close();
  expect(errors.map(String), 'uncaught errors in the page').toEqual([]);
});

async function signedIn(viewport?: { width: number; height: number }): Promise<Page> {
  const o = await openPage(browser, server.url);
  opened.push(o);
  if (viewport) await o.page.setViewportSize(viewport);
  await signIn(o.page, CAREGIVER);
  await seeHome(o.page);
  return o.page;
}

async function gql<T = any>(query: string, variables: object = {}): Promise<T> {
  const reply = await server.graphql<T>(query, variables, admin);
  if (reply.errors) throw new Error(JSON.stringify(reply.errors));
  return reply.data as T;
}

async function createFlow(name: string, steps: unknown[], edges: unknown[]): Promise<string> {
  const data = await gql<{ createFlow: { __typename: string; data?: { id: string } } }>(
    `mutation($input: CreateFlowInput!) { createFlow(input: $input) { __typename
      ... on MutationCreateFlowSuccess { data { id } } ... on Error { message } } }`,
    { input: { name, steps, edges } },
  );
  if (!data.createFlow.data) throw new Error(JSON.stringify(data));
  return data.createFlow.data.id;
}

async function trigger(flowId: string, payload: object = {}): Promise<string> {
  const data = await gql(
    `mutation($id: ID!, $payload: JSONObject) { triggerFlow(id: $id, payload: $payload) {
      ... on MutationTriggerFlowSuccess { data { id } } } }`,
    { id: flowId, payload },
  );
  return data.triggerFlow.data.id;
}

const runState = async (id: string) =>
  (await gql(`query($id: ID!) { execution(id: $id) { status eventSeq } }`, { id })).execution as {
    status: string;
    eventSeq: number;
  };

async function serverSays(id: string, status: string): Promise<number> {
  for (let i = 0; i < 400; i++) {
    const run = await runState(id);
    if (run.status === status) return run.eventSeq;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  throw new Error(`run ${id} never became ${status}`);
}

// A short sleep keeps the run going long enough to watch; the condition leaves one branch untaken.
const branching = (sleepSeconds: number) => ({
  steps: [
    { key: 'start', type: 'manual' },
    { key: 'pause', type: 'sleep', label: 'Short pause', config: { seconds: sleepSeconds } },
    {
      key: 'hot',
      type: 'condition',
      label: 'Is it hot?',
      config: { expression: 'trigger.payload.value > 30' },
    },
    { key: 'warn', type: 'log', label: 'Warn', config: { message: 'hot' } },
    { key: 'fine', type: 'log', label: 'All fine', config: { message: 'fine' } },
  ],
  edges: [
    { source: 'start', target: 'pause' },
    { source: 'pause', target: 'hot' },
    { source: 'hot', sourcePort: 'true', target: 'warn' },
    { source: 'hot', sourcePort: 'false', target: 'fine' },
  ],
});

const runRow = (page: Page, id: string) => page.locator(`li[data-run="${id}"]`);
const timelineRow = (page: Page, key: string) => page.locator(`li[data-step="${key}"]`).last();
const appliedSeqs = async (page: Page) =>
  ((await page.getByTestId('applied-seqs').textContent()) ?? '').split(' ').filter(Boolean).map(Number);

describe('runs, live', () => {
  it('shows a new run in the list as it happens and its steps completing in the inspector', async () => {
    // A pause long enough that a loaded machine still lists the run while it is running.
    const { steps, edges } = branching(5);
    const flowId = await createFlow('Live branch', steps, edges);
    const page = await signedIn();
    await page.getByRole('navigation').getByRole('link', { name: 'Runs' }).click();
    await page.getByRole('status').filter({ hasText: 'Live' }).waitFor();

    const id = await trigger(flowId, { value: 35 });
    const row = runRow(page, id);
    await row.getByText('Live branch').waitFor();
    await row.getByText('Running').waitFor();

    await row.getByRole('link').click();
    await page.getByRole('heading', { level: 1, name: 'Live branch' }).waitFor();
    await timelineRow(page, 'pause').getByText('Running').waitFor();
    await page.getByTestId('run-status').getByText('Completed').waitFor({ timeout: 15_000 });
    await timelineRow(page, 'warn').getByText('Completed').waitFor();
    await timelineRow(page, 'fine').getByText('Skipped').waitFor();
    // The graph: the untaken branch's step is drawn as skipped, and the edge into it dimmed.
    await page.locator('.vue-flow__node.status-skipped').filter({ hasText: 'All fine — Skipped' }).waitFor();
    expect(await page.locator('.vue-flow__edge.dead').count()).toBeGreaterThan(0);
    // The list, back one step, already knows the run finished.
    await page.getByRole('link', { name: '← All runs' }).click();
    await runRow(page, id).getByText('Completed').waitFor();
  });

  it('freezes while offline, then catches up from its cursor with no event applied twice', async () => {
    const { steps, edges } = branching(6);
    const flowId = await createFlow('Offline catch-up', steps, edges);
    const page = await signedIn();
    const list = await page.context().newPage();
    await list.goto('/runs');
    await list.getByRole('status').filter({ hasText: 'Live' }).waitFor();

    const first = await trigger(flowId, { value: 10 });
    await page.goto(`/runs/${first}`);
    await page.getByRole('status').filter({ hasText: 'Live' }).waitFor();
    await timelineRow(page, 'pause').getByText('Running').waitFor();

    await page.context().setOffline(true);
    await page.getByText('Offline — showing the last known state').waitFor();
    await list.getByText('Offline — showing the last known state').waitFor();
    // While away: the watched run finishes and another one runs from start to end.
    const second = await trigger(flowId, { value: 50 });
    const finalSeq = await serverSays(first, 'COMPLETED');
    await serverSays(second, 'COMPLETED');
    expect(await page.getByTestId('run-status').textContent()).toContain('Running');

    await page.context().setOffline(false);
    await page.getByTestId('run-status').getByText('Completed').waitFor({ timeout: 20_000 });
    await timelineRow(page, 'fine').getByText('Completed').waitFor();
    await timelineRow(page, 'warn').getByText('Skipped').waitFor();
    const seqs = await appliedSeqs(page);
    expect(new Set(seqs).size).toBe(seqs.length);
    expect(seqs).toEqual([...seqs].sort((a, b) => a - b));
    expect(seqs.at(-1)).toBe(finalSeq);
    expect(seqs.every((seq, i) => i === 0 || seq === seqs[i - 1]! + 1)).toBe(true);

    await runRow(list, first).getByText('Completed').waitFor({ timeout: 20_000 });
    await runRow(list, second).getByText('Completed').waitFor();
    expect(await list.locator(`li[data-run="${second}"]`).count()).toBe(1);
    expect(await runRow(list, first).getAttribute('data-seq')).toBe(String(finalSeq));
    expect(page.url()).toContain(`/runs/${first}`);
  });

  it('cancels a waiting run, reruns it and follows the link back', async () => {
    const flowId = await createFlow(
      'Waits an hour',
      [
        { key: 'start', type: 'manual' },
        { key: 'pause', type: 'wait', config: { seconds: 3600 } },
      ],
      [{ source: 'start', target: 'pause' }],
    );
    const id = await trigger(flowId);
    await serverSays(id, 'WAITING');
    const page = await signedIn();
    await page.goto(`/runs/${id}`);
    await page.getByRole('timer').getByText('resumes in').waitFor();
    await page.getByRole('button', { name: 'Cancel run' }).click();
    await page.getByTestId('run-status').getByText('Cancelled').waitFor();
    expect((await runState(id)).status).toBe('CANCELLED');

    await page.getByRole('button', { name: 'Run again' }).click();
    await page.waitForURL((url) => url.pathname.startsWith('/runs/') && !url.pathname.endsWith(id));
    const link = page.getByRole('navigation', { name: 'Related runs' }).getByRole('link');
    await link.waitFor();
    expect(await page.getByText('Rerun of:').count()).toBe(1);
    await link.click();
    await page.waitForURL((url) => url.pathname === `/runs/${id}`);
    await page.getByTestId('run-status').getByText('Cancelled').waitFor();
  });
});

describe('alerts', () => {
  it('toasts a raised alert, lists it, and an acknowledgement updates the badge elsewhere', async () => {
    const flowId = await createFlow(
      'Fall detected',
      [
        { key: 'start', type: 'manual' },
        { key: 'sos', type: 'alert', config: { level: 'emergency', message: 'Fall in the bathroom' } },
      ],
      [{ source: 'start', target: 'sos' }],
    );
    const page = await signedIn();
    await page.evaluate(() => {
      (window as unknown as { vibrations: unknown[] }).vibrations = [];
      navigator.vibrate = (pattern) => {
        (window as unknown as { vibrations: unknown[] }).vibrations.push(pattern);
        return true;
      };
    });
    await page.getByRole('navigation').getByRole('link', { name: 'Alerts' }).click();
    const other = await signedIn();
    await other.getByRole('navigation').getByRole('link', { name: 'Alerts' }).click();
    await other.getByText('No open alerts').waitFor();
    // graphql-ws acknowledges a subscription before the server attaches it; give it a moment.
    await new Promise((resolve) => setTimeout(resolve, 500));

    await trigger(flowId);
    const toast = page.getByRole('region', { name: 'Notifications' }).getByRole('status');
    await toast.getByText('Emergency:').waitFor();
    await toast.getByText('Fall in the bathroom').waitFor();
    expect(
      await page.evaluate(() => (window as unknown as { vibrations: unknown[] }).vibrations.length),
    ).toBe(1);
    await page.getByRole('list', { name: 'Alerts' }).getByText('Fall in the bathroom').waitFor();
    await other.getByTestId('nav-badge').getByText('1').waitFor();

    await page.getByRole('button', { name: 'Acknowledge', exact: true }).click();
    await page.getByText('No open alerts').waitFor();
    await other.getByTestId('nav-badge').waitFor({ state: 'detached' });
    await other.getByText('No open alerts').waitFor();
  });
});

describe('accessibility and screenshots', () => {
  let runId = '';
  beforeAll(async () => {
    const { steps, edges } = branching(0);
    const flowId = await createFlow('Axe check', steps, edges);
    runId = await trigger(flowId, { value: 40 });
    await serverSays(runId, 'COMPLETED');
    fs.mkdirSync(SHOTS, { recursive: true });
  });

  for (const viewport of [
    { width: 390, height: 844 },
    { width: 1280, height: 800 },
  ]) {
    it(
      `has no axe violations on home, runs, inspector, alerts and nodes at ${viewport.width} px`,
      { timeout: 120_000 },
      async () => {
        const page = await signedIn(viewport);
        const screens: Array<[string, string, string]> = [
          ['home', '/', 'Needs attention'],
          ['runs', '/runs', 'Runs'],
          ['inspector', `/runs/${runId}`, 'Axe check'],
          ['alerts', '/alerts', 'Alerts'],
          ['nodes', '/nodes', 'Nodes'],
        ];
        for (const [name, path, heading] of screens) {
          await page.goto(path);
          await page.getByRole('heading', { level: 1, name: heading }).waitFor();
          if (name === 'inspector') await page.getByTestId('run-status').getByText('Completed').waitFor();
          if (name === 'runs') await runRow(page, runId).waitFor();
          if (name === 'alerts' || name === 'nodes' || name === 'home')
            await page
              .getByRole('status')
              .filter({ hasText: /Loading|Checking/ })
              .waitFor({ state: 'detached' });
          const result = await new AxeBuilder({ page })
            .withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa'])
            .analyze();
          expect(
            result.violations.map(
              (v) => `${name}@${viewport.width}: ${v.id} ${v.nodes.map((n) => n.target).join(' ')}`,
            ),
          ).toEqual([]);
          await page.screenshot({
            path: new URL(`${name}-${viewport.width}.png`, SHOTS).pathname,
            fullPage: true,
            animations: 'disabled',
          });
        }
      },
    );
  }
});
