import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openArea, seeFlows, seeHome, signIn } from './app.js';
import { launchBrowser, openPage } from './browser.js';
import { ADMIN, CAREGIVER, loginToken, startTestServer, type TestServer } from './server.js';

// More than one page of flows (the app asks for 20 at a time); named to sort after the demo flows.
const EXTRA = Array.from({ length: 22 }, (_, i) => `Zone check ${String(i + 1).padStart(2, '0')}`);

let server: TestServer;
let browser: Browser;

beforeAll(async () => {
  [server, browser] = await Promise.all([startTestServer(), launchBrowser()]);
  const admin = await loginToken(server, ADMIN);
  for (const [i, name] of EXTRA.entries()) {
    const reply = await server.graphql<{ createFlow: { __typename: string } }>(
      `mutation ($input: CreateFlowInput!) { createFlow(input: $input) { __typename } }`,
      { input: { name, enabled: i % 2 === 0, description: i % 3 === 0 ? '' : `Looks in on zone ${i + 1}.` } },
      admin,
    );
    expect(reply.data?.createFlow.__typename, JSON.stringify(reply)).toBe('MutationCreateFlowSuccess');
  }
});

afterAll(async () => {
  await browser?.close();
  await server?.close();
});

describe('the flows list', () => {
  it('loads more flows on request until all are shown', async () => {
    const { context, page, errors } = await openPage(browser, server.url);
    try {
      await signIn(page, CAREGIVER);
      await seeHome(page);
      await openArea(page, 'Flows');
      await seeFlows(page, ['Kitchen too hot', 'Zone check 01']);
      await page.getByText('Showing 20 of 25 flows').waitFor();
      expect(await page.getByRole('heading', { level: 2 }).count()).toBe(20);
      await page.getByText('Disabled').first().waitFor();

      await page.getByRole('button', { name: 'Load more flows' }).click();
      await seeFlows(page, ['Zone check 22']);
      await page.getByText('25 flows', { exact: true }).waitFor();
      expect(await page.getByRole('heading', { level: 2 }).count()).toBe(25);
      expect(await page.getByRole('button', { name: 'Load more flows' }).count()).toBe(0);
      expect(await page.evaluate(() => document.scrollingElement!.scrollWidth)).toBeLessThanOrEqual(390);
      expect(errors.map(String)).toEqual([]);
    } finally {
      await context.close();
    }
  });
});
