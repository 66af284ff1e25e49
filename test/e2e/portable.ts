// What the export, import and variables browser tests share: API look-ups, axe, screenshots, downloads.
import fs from 'node:fs';
import path from 'node:path';
import AxeBuilder from '@axe-core/playwright';
import type { Locator, Page } from 'playwright-core';
import { openArea, seeFlows, seeHome, signIn } from './app.js';
import { PHONE, type OpenedPage } from './browser.js';
import { CAREGIVER, DEMO_FLOWS, type TestServer } from './server.js';

// Screenshots for a person to look at, only when asked for (KINFLOW_SHOTS=/tmp/portable-shots).
const SHOTS = process.env.KINFLOW_SHOTS;
export const LAPTOP = { ...PHONE, viewport: { width: 1280, height: 800 }, isMobile: false, hasTouch: false };

export async function axe(page: Page, include: string): Promise<string[]> {
  const { violations } = await new AxeBuilder({ page })
    .withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa'])
    .include(include)
    .analyze();
  return violations.map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`);
}

export async function shot(page: Page, name: string): Promise<void> {
  if (!SHOTS) return;
  fs.mkdirSync(SHOTS, { recursive: true });
  await page.screenshot({ path: path.join(SHOTS, `${name}.png`), animations: 'disabled' });
}

export async function flowNames(server: TestServer, token: string): Promise<string[]> {
  const reply = await server.graphql<{ flows: { edges: Array<{ node: { name: string } }> } }>(
    `{ flows(first: 100) { edges { node { name } } } }`,
    {},
    token,
  );
  return reply.data!.flows.edges.map((edge) => edge.node.name).sort();
}

/** The variables of a scope as `{ key: value }`, read through the API. */
export async function variablesOf(
  server: TestServer,
  token: string,
  scope: 'FLOW' | 'GLOBAL',
  flowId?: string,
): Promise<Record<string, unknown>> {
  const reply = await server.graphql<{
    variables: { data: { edges: Array<{ node: { key: string; value: unknown } }> } };
  }>(
    `query ($scope: VariableScope!, $flowId: ID) { variables(scope: $scope, flowId: $flowId) {
      ... on QueryVariablesSuccess { data { edges { node { key value } } } } } }`,
    { scope, flowId },
    token,
  );
  return Object.fromEntries(reply.data!.variables.data.edges.map((e) => [e.node.key, e.node.value]));
}

export async function openFlows(opened: OpenedPage): Promise<void> {
  await signIn(opened.page, CAREGIVER);
  await seeHome(opened.page);
  await openArea(opened.page, 'Flows');
  await seeFlows(opened.page, DEMO_FLOWS);
}

export const sheet = (page: Page, name: string | RegExp): Locator => page.getByRole('dialog', { name });

/** Chooses the format in the export sheet and saves the file the way a person does. */
export async function download(page: Page, dialog: Locator, format: 'YAML' | 'JSON') {
  await dialog.getByRole('radio', { name: new RegExp(`^${format}`) }).tap();
  const [file] = await Promise.all([
    page.waitForEvent('download'),
    dialog.getByRole('button', { name: `Download ${format}` }).tap(),
  ]);
  const saved = await file.path();
  return { name: file.suggestedFilename(), text: fs.readFileSync(saved, 'utf8') };
}
