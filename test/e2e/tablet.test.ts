import type { Browser, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { launchBrowser, openPage, type OpenedPage } from './browser.js';
import { openArea, seeHome, signIn } from './app.js';
import { ADMIN, startTestServer, type TestServer } from './server.js';
import {
  adminToken,
  alertsOf,
  axe,
  createFlow,
  createTablet,
  deviceId,
  flowByName,
  gql,
  LANDSCAPE,
  openTablet,
  pairingUrl,
  run,
  screenshots,
  settledRun,
  spoken,
  trigger,
} from './tablet-support.js';

let server: TestServer;
let browser: Browser;
let admin: string;
let kitchen: string;
const opened: OpenedPage[] = [];

beforeAll(async () => {
  [server, browser] = await Promise.all([startTestServer(), launchBrowser()]);
  admin = await adminToken(server);
  kitchen = await deviceId(server, admin, 'Kitchen tablet');
});

afterAll(async () => {
  await browser?.close();
  await server?.close();
});

afterEach(async () => {
  const errors = opened.flatMap((o) => o.errors);
  await Promise.all(opened.map((o) => o.context.close()));
  opened.length = 0;
  expect(errors.map(String), 'uncaught errors in the page').toEqual([]);
});

async function tablet(device = kitchen): Promise<Page> {
  const o = await openTablet(browser, server, admin, device);
  opened.push(o);
  return o.page;
}

const PROMPT = 'Are you okay, Rose?';

/** A flow like the Bathroom check-in, started by hand, with its own countdown. */
async function checkInFlow(name: string, countdownSeconds: number, room?: string): Promise<string> {
  return createFlow(server, admin, {
    name,
    steps: [
      { key: 'start', type: 'manual' },
      {
        key: 'ask',
        type: 'interactive_prompt',
        config: {
          popupMessageTemplate: `${name}: all well?`,
          countdownSeconds,
          timeoutAction: 'escalate',
          ...(room && { room }),
        },
      },
      {
        key: 'call_family',
        type: 'alert',
        config: { level: 'emergency', message: `${name}: no answer or help asked` },
      },
      { key: 'fine', type: 'log', config: { message: 'fine' } },
    ],
    edges: [
      { source: 'start', target: 'ask' },
      { source: 'ask', sourcePort: 'escalate', target: 'call_family' },
      { source: 'ask', sourcePort: 'dismiss', target: 'fine' },
    ],
  });
}

describe('the Bathroom check-in on the kitchen tablet', () => {
  it('idle → prompt (spoken) → "I need help" → escalate → emergency alert', async () => {
    const page = await tablet();
    await page.getByText('Kitchen', { exact: true }).waitFor();
    expect(await axe(page), 'idle screen').toEqual([]);
    await screenshots(page, 'idle');

    const runId = await trigger(
      server,
      admin,
      await flowByName(server, admin, 'Bathroom check-in'),
      'long_visit',
    );
    await page.getByRole('heading', { name: PROMPT }).waitFor();
    await expect
      .poll(() => spoken(page))
      .toContainEqual({
        text: 'Rose, are you okay? Tap a button or say so.',
        lang: 'en-GB',
        rate: 0.9,
        voice: null,
      });
    await page.getByRole('timer').waitFor();
    expect(await axe(page), 'prompt screen').toEqual([]);
    await screenshots(page, 'prompt');

    await page.getByRole('button', { name: 'I need help' }).click();
    await page.getByText('Thank you — help is on the way.').waitFor();
    await screenshots(page, 'confirmation');
    const done = await settledRun(server, admin, runId);
    expect(done.data.interactive_response).toMatchObject({ channel: 'tablet', action: 'escalate' });
    expect(await alertsOf(server, admin, runId)).toEqual([
      expect.objectContaining({ level: 'EMERGENCY', message: 'Rose may need help in the bathroom (tablet)' }),
    ]);
  });

  it('"I’m okay" takes the dismiss path: no alert', async () => {
    const page = await tablet();
    const runId = await trigger(server, admin, await checkInFlow('Dismissed check-in', 120), 'start');
    await page.getByRole('button', { name: 'I’m okay' }).click();
    await page.getByText('Thank you — glad you are okay.').waitFor();
    const done = await settledRun(server, admin, runId);
    expect(done.completedSteps).toContain('fine');
    expect(await alertsOf(server, admin, runId)).toEqual([]);
  });

  it('no answer: the timeout alerts the family once and the prompt leaves the screen', async () => {
    const page = await tablet();
    const runId = await trigger(server, admin, await checkInFlow('Unanswered check-in', 5), 'start');
    await page.getByRole('heading', { name: 'Unanswered check-in: all well?' }).waitFor();
    const done = await settledRun(server, admin, runId);
    expect(done.data.interactive_response).toMatchObject({ channel: 'timeout', action: 'escalate' });
    expect(await alertsOf(server, admin, runId)).toHaveLength(1);
    await page
      .getByRole('heading', { name: 'Unanswered check-in: all well?' })
      .waitFor({ state: 'detached' });
  });
});

describe('two tablets in the kitchen', () => {
  it('an answer on one removes the prompt from the other; two at once: one wins, the other is told', async () => {
    const second = await createTablet(server, admin, 'Kitchen tablet 2', 'Kitchen');
    const [a, b] = [await tablet(), await tablet(second)];
    const flow = await checkInFlow('Two tablets', 120, 'Kitchen');

    await trigger(server, admin, flow, 'start');
    await Promise.all(
      [a, b].map((p) => p.getByRole('heading', { name: 'Two tablets: all well?' }).waitFor()),
    );
    await a.getByRole('button', { name: 'I’m okay' }).click();
    await b.getByRole('heading', { name: 'Two tablets: all well?' }).waitFor({ state: 'detached' });

    await a.getByRole('button', { name: 'Done' }).click();
    await trigger(server, admin, flow, 'start');
    await Promise.all(
      [a, b].map((p) => p.getByRole('heading', { name: 'Two tablets: all well?' }).waitFor()),
    );
    // Both taps must land before either tablet hears of the other's answer, so they are dispatched
    // together rather than through click()'s actionability waits, which can outlast the feed's update.
    const taps = [
      await a.getByRole('button', { name: 'I need help' }).elementHandle(),
      await b.getByRole('button', { name: 'I’m okay' }).elementHandle(),
    ];
    await Promise.all(taps.map((tap) => tap!.evaluate((button: HTMLElement) => button.click())));
    // The second tap can still arrive after the first answer reached its tablet; then its prompt was
    // withdrawn before it could be answered, which is the other honest outcome: never two winners.
    const texts = await Promise.all(
      [a, b].map(async (p) => {
        const status = p.getByRole('main').getByRole('status');
        const withdrawn = p.getByRole('heading', { name: 'Two tablets: all well?' });
        await Promise.race([status.waitFor(), withdrawn.waitFor({ state: 'detached' })]);
        // The prompt also leaves the winner's screen, a moment before its thanks appear.
        const told = await status.waitFor({ timeout: 5000 }).then(
          () => true,
          () => false,
        );
        return told ? status.innerText() : 'withdrawn';
      }),
    );
    const winners = texts.filter((t) => t.startsWith('Thank you'));
    const others = texts.filter((t) => t.startsWith('Already answered') || t === 'withdrawn');
    expect(winners).toHaveLength(1);
    expect(others).toHaveLength(1);
  });
});

describe('offline', () => {
  it('an answer given offline is delivered once when the tablet is back', async () => {
    const o = await openTablet(browser, server, admin, kitchen);
    opened.push(o);
    const runId = await trigger(server, admin, await checkInFlow('Offline answer', 120), 'start');
    await o.page.getByRole('heading', { name: 'Offline answer: all well?' }).waitFor();
    await o.context.setOffline(true);
    await o.page.getByRole('button', { name: 'I need help' }).click();
    await o.page.getByText('Your answer is saved and will be sent').waitFor();
    expect((await run(server, admin, runId)).status).toBe('WAITING');
    await o.context.setOffline(false);
    const done = await settledRun(server, admin, runId);
    expect(done.timeline.filter((t: any) => t.stepKey === 'ask' && t.status === 'COMPLETED')).toHaveLength(1);
    expect(await alertsOf(server, admin, runId)).toHaveLength(1);
    await expect
      .poll(() =>
        o.page.evaluate(async () => {
          const open = indexedDB.open('kinflow-tablet');
          const db: IDBDatabase = await new Promise(
            (resolve) => (open.onsuccess = () => resolve(open.result)),
          );
          const count = db.transaction('answers').objectStore('answers').count();
          return new Promise((resolve) => (count.onsuccess = () => resolve(count.result)));
        }),
      )
      .toBe(0);
  });
});

describe('a server killed while a prompt is pending', () => {
  it('after the restart the prompt is back with the remaining countdown, and the timeout fires once', async () => {
    const page = await tablet();
    const runId = await trigger(server, admin, await checkInFlow('Survives a crash', 25), 'start');
    await page.getByRole('heading', { name: 'Survives a crash: all well?' }).waitFor();
    await server.process.kill();
    await server.restart();
    admin = await adminToken(server);
    const heading = page.getByRole('heading', { name: 'Survives a crash: all well?' });
    await heading.waitFor({ timeout: 30_000 });
    const seconds = Number(
      await page
        .getByRole('timer')
        .getAttribute('aria-label')
        .then((l) => l?.split(' ')[0]),
    );
    expect(seconds).toBeLessThan(25);
    const done = await settledRun(server, admin, runId, 40_000);
    expect(done.data.interactive_response.channel).toBe('timeout');
    expect(await alertsOf(server, admin, runId)).toHaveLength(1);
  });
});

describe('announcements and info cards', () => {
  it('the morning greeting is spoken with the tablet’s voice, shown as a caption, and reported to the run', async () => {
    const page = await tablet();
    const runId = await trigger(
      server,
      admin,
      await flowByName(server, admin, 'Morning greeting'),
      'every_morning',
    );
    await page.getByRole('heading', { name: /Good morning Rose/ }).waitFor();
    await expect
      .poll(async () =>
        (await spoken(page)).some(
          (s) => s.text.startsWith('Good morning Rose') && s.rate === 0.9 && s.lang === 'en-GB',
        ),
      )
      .toBe(true);
    const done = await settledRun(server, admin, runId);
    expect(done.data.announcement).toMatchObject({ status: 'spoken', spokenBy: ['Kitchen tablet'] });
    expect(await axe(page), 'announcement screen').toEqual([]);
    await screenshots(page, 'announcement');
  });

  it('an approved card is shown with its picture and timer, then closes itself', async () => {
    const page = await tablet();
    const card = await gql(
      server,
      admin,
      `mutation { createInfoCard(input: { title: "Lunch is in the fridge", body: "Soup in the **blue** pot.\\n\\nWarm it for *three minutes*." }) { ... on MutationCreateInfoCardSuccess { data { id } } } }`,
    );
    const cardId = card.createInfoCard.data.id;
    const png = Buffer.from(
      'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==',
      'base64',
    );
    const upload = await fetch(
      `${server.url}/media/cards/${encodeURIComponent(cardId)}?alt=${encodeURIComponent('A blue soup pot')}`,
      { method: 'PUT', headers: { authorization: `Bearer ${admin}` }, body: new Uint8Array(png) },
    );
    expect(upload.status).toBe(200);
    await gql(
      server,
      admin,
      `mutation($id: ID!) { approveInfoCard(id: $id, approved: true) { __typename } }`,
      { id: cardId },
    );
    const flow = await createFlow(server, admin, {
      name: 'Lunch card',
      steps: [
        { key: 'start', type: 'manual' },
        { key: 'show', type: 'info_card', config: { cardId, dismissSeconds: 8 } },
      ],
      edges: [{ source: 'start', target: 'show' }],
    });
    await trigger(server, admin, flow, 'start');
    await page.getByRole('heading', { name: 'Lunch is in the fridge' }).waitFor();
    await page.getByRole('img', { name: 'A blue soup pot' }).waitFor();
    await page.getByRole('timer').waitFor();
    expect(await axe(page), 'card screen').toEqual([]);
    await screenshots(page, 'card');
    await page
      .getByRole('heading', { name: 'Lunch is in the fridge' })
      .waitFor({ state: 'detached', timeout: 15_000 });
    await page.getByText('Connected').waitFor();
  });
});

describe('pairing', () => {
  it('a used code is refused; a revoked tablet is disconnected and shows it is not set up', async () => {
    const device = await createTablet(server, admin, 'Hall tablet', 'Hall');
    const link = await pairingUrl(server, admin, device);
    const first = await openPage(browser, server.url);
    opened.push(first);
    await first.page.goto(link);
    await first.page.getByRole('button', { name: 'Tap to start' }).click();
    await first.page.getByText('Connected').waitFor();

    const second = await openPage(browser, server.url);
    opened.push(second);
    await second.page.goto(link);
    await second.page.getByRole('alert').getByText('already used').waitFor();

    await gql(server, admin, `mutation($id: ID!) { revokeDevice(id: $id) { __typename } }`, { id: device });
    await first.page.getByRole('heading', { name: 'This tablet is not set up yet' }).waitFor();
  });
});

describe('the caregiver’s Tablets screen', () => {
  it('lists the tablets, shows a pairing code and QR, and answers a waiting check-in on the senior’s behalf', async () => {
    const o = await openPage(browser, server.url, { ...LANDSCAPE, locale: 'en-GB' });
    opened.push(o);
    const runId = await trigger(server, admin, await checkInFlow('On behalf in the app', 120), 'start');
    await signIn(o.page, ADMIN);
    await seeHome(o.page);
    await openArea(o.page, 'Tablets');
    await o.page.getByRole('heading', { level: 3, name: 'Kitchen tablet', exact: true }).waitFor();
    await o.page
      .getByRole('listitem')
      .filter({ hasText: 'Kitchen tablet' })
      .first()
      .getByRole('button', { name: 'Pair' })
      .click();
    await o.page.getByRole('img', { name: /QR code for .*\/tablet\/pair\?code=/ }).waitFor();
    await o.page.getByText(/^[A-Z2-9]{4}-[A-Z2-9]{4}$/).waitFor();
    await o.page
      .getByRole('listitem')
      .filter({ hasText: 'On behalf in the app: all well?' })
      .getByRole('button', { name: 'I’m okay' })
      .click();
    await o.page.getByText('Answer recorded on the senior’s behalf.').waitFor();
    const done = await settledRun(server, admin, runId);
    expect(done.data.interactive_response.channel).toBe('caregiver');
  });
});
