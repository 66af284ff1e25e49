// The caregiver's side of the tablets: info cards (write, picture, preview, approve) and tablet
// settings, by touch on a phone, checked against the server and against the tablet's own screen.
import fs from 'node:fs';
import type { Browser, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { openArea, seeHome, signIn } from './app.js';
import { launchBrowser, openPage, PHONE, type OpenedPage } from './browser.js';
import { ADMIN, loginToken, startTestServer, type TestServer } from './server.js';
import { axe, createFlow, deviceId, gql, openTablet, trigger } from './tablet-support.js';

const SHOTS = process.env.SHOTS_DIR ?? '/tmp/careui-shots';

let server: TestServer;
let browser: Browser;
let admin: string;
const opened: OpenedPage[] = [];

beforeAll(async () => {
  [server, browser] = await Promise.all([startTestServer(), launchBrowser()]);
  admin = await loginToken(server, ADMIN);
  fs.mkdirSync(SHOTS, { recursive: true });
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

async function signedIn(): Promise<Page> {
  const o = await openPage(browser, server.url, PHONE);
  opened.push(o);
  await signIn(o.page, ADMIN);
  await seeHome(o.page);
  return o.page;
}

async function shoot(page: Page, name: string): Promise<void> {
  for (const viewport of [
    { width: 390, height: 844 },
    { width: 1280, height: 800 },
  ]) {
    await page.setViewportSize(viewport);
    await page.waitForTimeout(150);
    await page.screenshot({
      path: `${SHOTS}/${name}-${viewport.width}x${viewport.height}.png`,
      fullPage: true,
    });
  }
  await page.setViewportSize(PHONE.viewport!);
}

/** The error a form shows for a control: the text of what its aria-describedby points at. */
async function fieldError(page: Page, label: string): Promise<string> {
  const control = page.getByLabel(label, { exact: true });
  await expect.poll(() => control.getAttribute('aria-invalid')).toBe('true');
  const ids = (await control.getAttribute('aria-describedby'))?.split(' ') ?? [];
  const texts = await Promise.all(ids.map((id) => page.locator(`[id="${id}"]`).textContent()));
  return texts.join(' ');
}

async function cardOnServer(id: string) {
  const data = await gql(
    server,
    admin,
    `query($id: ID!) { node(id: $id) { ... on InfoCard { title body approved imageUrl imageAlt } } }`,
    { id },
  );
  return data.node as {
    title: string;
    body: string;
    approved: boolean;
    imageUrl: string | null;
    imageAlt: string;
  };
}

/** A real picture (a PNG of a drawn soup pot), so the preview shows what a caregiver would upload. */
async function soupPicture(): Promise<Buffer> {
  const o = await openPage(browser, server.url);
  await o.page.setContent(
    `<div id="p" style="position:relative;width:640px;height:480px;background:#dbeafe">
      <div style="position:absolute;left:150px;top:170px;width:340px;height:220px;border-radius:0 0 120px 120px;background:#1d4ed8"></div>
      <div style="position:absolute;left:120px;top:150px;width:400px;height:40px;border-radius:20px;background:#1e3a8a"></div>
      <div style="position:absolute;left:280px;top:90px;width:80px;height:70px;border-radius:40px 40px 0 0;background:#1e3a8a"></div>
    </div>`,
  );
  const png = await o.page.locator('#p').screenshot();
  await o.context.close();
  return png;
}

describe('info cards in the caregiver app', () => {
  it('writes a card with a picture, previews it as the tablet shows it, approves it; a change withdraws the approval', async () => {
    const page = await signedIn();
    await openArea(page, 'Tablets');
    await page.getByRole('link', { name: 'New card' }).tap();
    await page.getByRole('heading', { level: 1, name: 'New info card' }).waitFor();

    // The server's typed refusal lands under the field it names.
    await page.getByRole('button', { name: 'Save card' }).tap();
    expect(await fieldError(page, 'Title')).toMatch(/\w/);

    await page.getByLabel('Title', { exact: true }).fill('Lunch is in the fridge');
    await page.getByLabel('Text').fill('Soup in the **blue** pot.\n\nWarm it for *three minutes*.');
    await page.getByLabel('Picture (optional)').setInputFiles({
      name: 'soup.png',
      mimeType: 'image/png',
      buffer: await soupPicture(),
    });
    await page.getByRole('button', { name: 'Save card' }).tap();
    expect(await fieldError(page, 'What the picture shows')).toContain('Describe the picture');
    await page.getByLabel('What the picture shows').fill('A blue pot of soup');
    await page.getByRole('button', { name: 'Save card' }).tap();
    await page.getByRole('status').filter({ hasText: 'Saved. Check the preview' }).waitFor();
    await page.waitForURL(/\/tablets\/cards\/(?!new)/);
    const id = decodeURIComponent(new URL(page.url()).pathname.split('/').pop()!);
    expect(await cardOnServer(id)).toMatchObject({
      title: 'Lunch is in the fridge',
      approved: false,
      imageAlt: 'A blue pot of soup',
    });
    expect(await page.getByTestId('card-state').textContent()).toContain('Not approved yet');

    const preview = page.getByTestId('card-preview');
    await preview.getByRole('heading', { name: 'Lunch is in the fridge' }).waitFor();
    expect(await preview.locator('strong').textContent()).toBe('blue');
    await preview.getByRole('img', { name: 'A blue pot of soup' }).waitFor();
    expect(await preview.getByText('Closes in 30 seconds').count()).toBe(1);
    expect(await axe(page), 'card editor').toEqual([]);
    await shoot(page, 'card-editor');

    await page.getByRole('button', { name: 'Portrait' }).tap();
    expect(await page.getByText('How a 800 × 1280 tablet shows it').count()).toBe(1);
    await page.getByRole('button', { name: 'Landscape' }).tap();

    await page.getByRole('button', { name: 'Approve for the tablets' }).tap();
    await page.getByRole('status').filter({ hasText: 'Approved: flows can now show' }).waitFor();
    expect((await cardOnServer(id)).approved).toBe(true);

    // Editing: the preview says it is the saved version; saving withdraws the approval.
    await page.getByLabel('Text').fill('Soup in the **red** pot.');
    await page.getByText('The preview shows the saved card').waitFor();
    await page.getByRole('button', { name: 'Save changes' }).tap();
    await page.getByRole('status').filter({ hasText: 'Saved.' }).waitFor();
    expect(await cardOnServer(id)).toMatchObject({ body: 'Soup in the **red** pot.', approved: false });
    expect(await preview.locator('strong').textContent()).toBe('red');

    await page.getByRole('button', { name: 'Approve for the tablets' }).tap();
    await page.getByRole('button', { name: 'Withdraw approval' }).tap();
    await page.getByRole('status').filter({ hasText: 'Approval withdrawn' }).waitFor();
    expect((await cardOnServer(id)).approved).toBe(false);

    await page.getByRole('link', { name: '← Tablets and cards' }).tap();
    const row = page.locator(`li[data-card="${id}"]`);
    expect(await row.textContent()).toContain('Not approved yet');
    expect(await row.textContent()).toContain('Picture');
    expect(await axe(page), 'tablets list').toEqual([]);
    await shoot(page, 'tablets');
  });

  it('the preview lays the card out as the tablet does', async () => {
    const created = await gql(
      server,
      admin,
      `mutation { createInfoCard(input: { title: "Visitors today", body: "Anna comes at **three**.\\n\\n- bring the photos\\n- tea is in the cupboard" }) { ... on MutationCreateInfoCardSuccess { data { id } } } }`,
    );
    const cardId = created.createInfoCard.data.id as string;
    await gql(
      server,
      admin,
      `mutation($id: ID!) { approveInfoCard(id: $id, approved: true) { __typename } }`,
      {
        id: cardId,
      },
    );
    const kiosk = await openTablet(browser, server, admin, await deviceId(server, admin, 'Kitchen tablet'));
    opened.push(kiosk);
    const flow = await createFlow(server, admin, {
      name: 'Visitors card',
      steps: [
        { key: 'start', type: 'manual' },
        { key: 'show', type: 'info_card', config: { cardId, dismissSeconds: 60 } },
      ],
      edges: [{ source: 'start', target: 'show' }],
    });
    await trigger(server, admin, flow, 'start');
    await kiosk.page.getByRole('heading', { name: 'Visitors today' }).waitFor();

    const page = await signedIn();
    await page.goto(`/tablets/cards/${encodeURIComponent(cardId)}`);
    const preview = page.getByTestId('card-preview');
    await preview.getByRole('heading', { name: 'Visitors today' }).waitFor();

    // Positions inside the card and computed sizes, unaffected by the preview's scaling.
    const layout = (root: string) =>
      `(() => {
        const frame = document.querySelector(${JSON.stringify(root)}).querySelector('.frame');
        const box = frame.getBoundingClientRect();
        const scale = box.width / frame.offsetWidth;
        const place = (el) => {
          const r = el.getBoundingClientRect();
          return [r.left - box.left, r.top - box.top, r.width, r.height].map((v) => Math.round(v / scale));
        };
        const title = frame.querySelector('.title');
        return {
          frame: [frame.offsetWidth, frame.offsetHeight],
          title: place(title),
          titleSize: getComputedStyle(title).fontSize,
          body: place(frame.querySelector('.body')),
          bodySize: getComputedStyle(frame.querySelector('.body')).fontSize,
          close: place(frame.querySelector('.close')),
        };
      })()`;
    const onTablet = await kiosk.page.evaluate(layout('main#main'));
    const inPreview = await page.evaluate(layout('[data-testid="card-preview"]'));
    expect(inPreview).toEqual(onTablet);
  });
});

describe('tablet settings from the list', () => {
  it('renames a tablet and sets its room; a bad language tag is refused under its field', async () => {
    const page = await signedIn();
    await openArea(page, 'Tablets');
    await page.getByRole('button', { name: 'Settings of Kitchen tablet' }).tap();
    const sheet = page.getByRole('dialog', { name: 'Settings of Kitchen tablet' });
    await expect.poll(() => sheet.getByLabel('Name').inputValue()).toBe('Kitchen tablet');
    await sheet.getByLabel('Name').fill('Rose’s kitchen tablet');
    await sheet.getByLabel('Room').fill('Kitchen by the window');
    await sheet.getByLabel('Language').fill('not a language!');
    await sheet.getByRole('button', { name: 'Save' }).tap();
    expect(await fieldError(page, 'Language')).toMatch(/BCP 47|language/i);
    expect(await axe(page), 'settings sheet').toEqual([]);
    await shoot(page, 'tablet-settings');

    await sheet.getByLabel('Language').fill('en-GB');
    await sheet.getByRole('button', { name: 'Save' }).tap();
    await page.getByRole('status').filter({ hasText: 'Rose’s kitchen tablet is saved' }).waitFor();
    await sheet.waitFor({ state: 'hidden' });
    const data = await gql(server, admin, `{ devices { name room locale } }`);
    expect(data.devices).toContainEqual({
      name: 'Rose’s kitchen tablet',
      room: 'Kitchen by the window',
      locale: 'en-GB',
    });
    await page.getByRole('heading', { level: 3, name: 'Rose’s kitchen tablet' }).waitFor();
  });
});

describe('the shared panels and lists', () => {
  it('Home, Runs, Alerts and Nodes keep 44 px targets and pass axe at 390 and 1280 wide', async () => {
    const flow = await createFlow(server, admin, {
      name: 'Fridge door open',
      steps: [
        { key: 'start', type: 'manual' },
        { key: 'warn', type: 'alert', config: { level: 'warning', message: 'The fridge door is open' } },
      ],
      edges: [{ source: 'start', target: 'warn' }],
    });
    await trigger(server, admin, flow, 'start');
    await trigger(server, admin, flow, 'start');
    const page = await signedIn();
    await page
      .getByRole('link', { name: /The fridge door is open/ })
      .first()
      .waitFor();
    for (const area of ['Home', 'Runs', 'Alerts', 'Nodes']) {
      if (area !== 'Home') await openArea(page, area);
      await page.waitForTimeout(300);
      expect(await axe(page), area).toEqual([]);
      const small = await page.locator('main a.list-item, main button').evaluateAll((els) =>
        els
          .filter((el) => (el as HTMLElement).offsetParent !== null)
          .map((el) => [el.textContent?.trim(), el.getBoundingClientRect().height] as const)
          .filter(([, h]) => h < 44),
      );
      expect(small, `${area}: targets under 44 px`).toEqual([]);
      await shoot(page, area.toLowerCase());
    }
  });
});
