// What a caregiver does in the flow editor, in the words of its screens; shared by the editor tests.
import fs from 'node:fs';
import type { Page } from 'playwright-core';
import type { TestServer } from './server.js';

const SHOTS = new URL('./__screenshots__/', import.meta.url);

export async function shot(page: Page, name: string): Promise<void> {
  fs.mkdirSync(SHOTS, { recursive: true });
  await page.screenshot({ path: new URL(`${name}.png`, SHOTS).pathname, animations: 'disabled' });
}

export async function flowIdByName(server: TestServer, token: string, name: string): Promise<string> {
  const reply = await server.graphql<{ flows: { edges: Array<{ node: { id: string; name: string } }> } }>(
    `query ($search: String) { flows(first: 50, search: $search) { edges { node { id name } } } }`,
    { search: name },
    token,
  );
  const found = reply.data?.flows.edges.find((edge) => edge.node.name === name);
  if (!found) throw new Error(`no flow named ${name}: ${JSON.stringify(reply)}`);
  return found.node.id;
}

export async function createFlow(server: TestServer, token: string, input: object): Promise<string> {
  const reply = await server.graphql<{ createFlow: { __typename: string; data?: { id: string } } }>(
    `mutation ($input: CreateFlowInput!) { createFlow(input: $input) { __typename ... on MutationCreateFlowSuccess { data { id } } } }`,
    { input },
    token,
  );
  if (!reply.data?.createFlow.data) throw new Error(JSON.stringify(reply));
  return reply.data.createFlow.data.id;
}

export interface StoredFlow {
  version: number;
  steps: Array<{
    key: string;
    type: string;
    config: Record<string, unknown>;
    position: { x: number; y: number };
  }>;
  edges: Array<{ source: string; sourcePort: string; target: string }>;
}

export async function storedFlow(server: TestServer, token: string, id: string): Promise<StoredFlow> {
  const reply = await server.graphql<{ flow: StoredFlow }>(
    `query ($id: ID!) { flow(id: $id) { version steps { key type config position { x y } } edges { source sourcePort target } } }`,
    { id },
    token,
  );
  return reply.data!.flow;
}

export async function openEditor(page: Page, id: string): Promise<void> {
  await page.goto(`/flows/${encodeURIComponent(id)}`);
  await page.locator('.vue-flow').waitFor();
}

export const stepOnCanvas = (page: Page, key: string) => page.locator(`.vue-flow__node[data-id="${key}"]`);

/** Taps the step's card, away from its ports and "+" buttons. */
export async function tapStep(page: Page, key: string): Promise<void> {
  await stepOnCanvas(page, key).locator('.label').tap();
}

export async function pickStepType(page: Page, title: string): Promise<void> {
  const sheet = page.getByRole('dialog', { name: 'Add a step' });
  await sheet.waitFor();
  await sheet.getByRole('button', { name: new RegExp(`^${title}`) }).tap();
}

export const stepSheet = (page: Page) =>
  page.locator('dialog[open]').filter({ has: page.getByRole('button', { name: 'Delete step' }) });

/** Drags a step with one finger (real touch events; a phone has no mouse). */
export async function dragStep(page: Page, key: string, dx: number, dy: number): Promise<void> {
  const box = (await stepOnCanvas(page, key).locator('.label').boundingBox())!;
  const x = box.x + box.width / 2;
  const y = box.y + box.height / 2;
  const cdp = await page.context().newCDPSession(page);
  const touch = (type: string, points: Array<{ x: number; y: number }>) =>
    cdp.send('Input.dispatchTouchEvent', {
      type,
      touchPoints: points.map((p) => ({ ...p, id: 1 })),
    } as never);
  await touch('touchStart', [{ x, y }]);
  for (let i = 1; i <= 10; i++) await touch('touchMove', [{ x: x + (dx * i) / 10, y: y + (dy * i) / 10 }]);
  await touch('touchEnd', []);
  await cdp.detach();
}
