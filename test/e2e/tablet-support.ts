// The senior's tablet as the browser tests drive it: pairing, speech observed, flows triggered.
import AxeBuilder from '@axe-core/playwright';
import type { Browser, BrowserContextOptions, Page } from 'playwright-core';
import { expect } from 'vitest';
import { openPage, type OpenedPage } from './browser.js';
import { ADMIN, loginToken, type TestServer } from './server.js';

export const LANDSCAPE: BrowserContextOptions = {
  viewport: { width: 1280, height: 800 },
  hasTouch: true,
  locale: 'en-GB',
  colorScheme: 'light',
};
export const PORTRAIT: BrowserContextOptions = { ...LANDSCAPE, viewport: { width: 800, height: 1280 } };

export interface Spoken {
  text: string;
  lang: string;
  rate: number;
  voice: string | null;
}

/**
 * Headless Chromium has no voices, so speechSynthesis.speak is replaced by a recorder that ends
 * each utterance at once; the test reads what the tablet asked to say, in which language and rate.
 */
function recordSpeech() {
  const spoken: Array<{ text: string; lang: string; rate: number; voice: string | null }> = [];
  (window as unknown as { __spoken: typeof spoken }).__spoken = spoken;
  const synth = window.speechSynthesis;
  synth.speak = (utterance: SpeechSynthesisUtterance) => {
    spoken.push({
      text: utterance.text,
      lang: utterance.lang,
      rate: Math.round(utterance.rate * 100) / 100,
      voice: utterance.voice?.name ?? null,
    });
    setTimeout(() => utterance.onend?.(new Event('end') as SpeechSynthesisEvent), 10);
  };
  synth.cancel = () => {};
}

export const spoken = (page: Page): Promise<Spoken[]> =>
  page.evaluate(() => (window as unknown as { __spoken: Spoken[] }).__spoken ?? []);

export async function adminToken(server: TestServer): Promise<string> {
  return loginToken(server, ADMIN);
}

export async function gql<T = any>(
  server: TestServer,
  token: string,
  query: string,
  variables: object = {},
): Promise<T> {
  const reply = await server.graphql<T>(query, variables, token);
  if (reply.errors) throw new Error(JSON.stringify(reply.errors));
  return reply.data as T;
}

export async function deviceId(server: TestServer, admin: string, name: string): Promise<string> {
  const data = await gql<{ devices: Array<{ id: string; name: string }> }>(
    server,
    admin,
    `{ devices { id name } }`,
  );
  const device = data.devices.find((d) => d.name === name);
  if (!device) throw new Error(`no tablet named ${name}`);
  return device.id;
}

export async function createTablet(
  server: TestServer,
  admin: string,
  name: string,
  room: string,
): Promise<string> {
  const data = await gql(
    server,
    admin,
    `mutation($name: String!, $room: String) { createDevice(name: $name, room: $room) { ... on MutationCreateDeviceSuccess { data { device { id } } } } }`,
    { name, room },
  );
  return data.createDevice.data.device.id;
}

export async function pairingUrl(server: TestServer, admin: string, device: string): Promise<string> {
  const data = await gql(
    server,
    admin,
    `mutation($device: ID!) { createDevicePairing(device: $device) { ... on MutationCreateDevicePairingSuccess { data { url } } } }`,
    { device },
  );
  // The printed link names localhost; the browser reaches the server on 127.0.0.1.
  return (
    new URL(data.createDevicePairing.data.url).pathname + new URL(data.createDevicePairing.data.url).search
  );
}

/** A paired, started kiosk: the pairing link, then the one "Tap to start". */
export async function openTablet(
  browser: Browser,
  server: TestServer,
  admin: string,
  device: string,
  options = LANDSCAPE,
): Promise<OpenedPage> {
  const opened = await openPage(browser, server.url, options);
  await opened.page.addInitScript(recordSpeech);
  await opened.page.goto(await pairingUrl(server, admin, device));
  await opened.page.getByRole('button', { name: 'Tap to start' }).click();
  await opened.page.getByText('Connected').waitFor();
  return opened;
}

export async function flowByName(server: TestServer, admin: string, name: string): Promise<string> {
  const data = await gql(server, admin, `{ flows(first: 50) { edges { node { id name } } } }`);
  return data.flows.edges.find((e: any) => e.node.name === name).node.id;
}

export async function trigger(
  server: TestServer,
  admin: string,
  flowId: string,
  triggerStepKey?: string,
): Promise<string> {
  const data = await gql(
    server,
    admin,
    `mutation($id: ID!, $k: String) { triggerFlow(id: $id, triggerStepKey: $k) { __typename ... on MutationTriggerFlowSuccess { data { id } } ... on Error { message } } }`,
    { id: flowId, k: triggerStepKey ?? null },
  );
  if (!data.triggerFlow.data) throw new Error(JSON.stringify(data));
  return data.triggerFlow.data.id;
}

export async function run(server: TestServer, admin: string, id: string): Promise<any> {
  const data = await gql(
    server,
    admin,
    `query($id: ID!) { execution(id: $id) { status data completedSteps timeline { stepKey status ports } } }`,
    { id },
  );
  return data.execution;
}

export async function settledRun(server: TestServer, admin: string, id: string, ms = 20_000): Promise<any> {
  let last: any;
  await expect
    .poll(async () => (last = await run(server, admin, id)).status, { timeout: ms, interval: 100 })
    .toBe('COMPLETED');
  return last;
}

export async function alertsOf(
  server: TestServer,
  admin: string,
  runId: string,
): Promise<Array<{ level: string; message: string }>> {
  const data = await gql(
    server,
    admin,
    `{ alerts(first: 50) { edges { node { level message executionId } } } }`,
  );
  return data.alerts.edges.map((e: any) => e.node).filter((a: any) => a.executionId === runId);
}

export async function createFlow(server: TestServer, admin: string, input: object): Promise<string> {
  const data = await gql(
    server,
    admin,
    `mutation($input: CreateFlowInput!) { createFlow(input: $input) { __typename ... on MutationCreateFlowSuccess { data { id } } ... on Error { message } } }`,
    { input },
  );
  if (!data.createFlow.data) throw new Error(JSON.stringify(data));
  return data.createFlow.data.id;
}

/** axe-core with the WCAG 2 A/AA and 2.2 rule tags: the list of violations (empty is the goal). */
export async function axe(page: Page): Promise<string[]> {
  const result = await new AxeBuilder({ page })
    .withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa'])
    .analyze();
  return result.violations.map(
    (v) => `${v.id}: ${v.help} (${v.nodes.map((n) => n.target.join(' ')).join(', ')})`,
  );
}

export async function screenshots(page: Page, name: string): Promise<void> {
  for (const [label, viewport] of [
    ['1280x800', { width: 1280, height: 800 }],
    ['800x1280', { width: 800, height: 1280 }],
  ] as const) {
    await page.setViewportSize(viewport);
    await page.screenshot({
      path: new URL(`./__screenshots__/tablet-${name}-${label}.png`, import.meta.url).pathname,
    });
  }
  await page.setViewportSize(LANDSCAPE.viewport!);
}
